// Login and register attempts, limited per user name and per client address
// (token buckets refilled per minute; a full minute's worth may come at
// once). Password hashing is expensive on purpose, so a flood of attempts
// must be refused before it reaches the hash pool: this runs on the I/O
// thread that read the request. Shared by HTTP and raw TCP logins.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/token_bucket.hpp"

namespace chat {

class login_limiter {
public:
  login_limiter(double per_name_per_minute, double per_address_per_minute);

  /// Counts a login attempt for `name` from `address`: 0 if it may go on,
  /// else the milliseconds until it would be allowed (nothing is counted).
  std::int64_t login(const std::string& name, const std::string& address, std::int64_t now_ms);

  /// The same for a registration (per address only: the name is new).
  std::int64_t registration(const std::string& address, std::int64_t now_ms);

private:
  token_bucket& bucket(std::unordered_map<std::string, token_bucket>& table, const std::string& key,
                       double per_minute, std::int64_t now_ms);
  void forget_idle(std::int64_t now_ms);

  double per_name_;
  double per_address_;
  std::mutex mutex_;
  std::unordered_map<std::string, token_bucket> names_;
  std::unordered_map<std::string, token_bucket> addresses_;
  std::int64_t next_sweep_ms_ = 0;
};

} // namespace chat
