// The caps on sockets: `max_connections` live chat connections (WebSocket
// and TCP together) and `max_connections_per_ip` open sockets per client
// address (HTTP keep-alives included, so idle HTTP sockets cannot be used
// to get around it). A session holds a slot for as long as it lives; the
// slot gives its place back when destroyed. Called from I/O threads: the
// global count is one atomic, the per-address table a short mutex section
// (no I/O under it).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace chat {

class connection_limits : public std::enable_shared_from_this<connection_limits> {
public:
  /// A place taken; empty (false) when the cap was reached.
  class slot {
  public:
    slot() = default;
    slot(std::shared_ptr<connection_limits> owner, std::string address);
    slot(slot&&) noexcept = default;
    slot& operator=(slot&& other) noexcept;
    ~slot();
    explicit operator bool() const { return owner_ != nullptr; }

  private:
    void release();
    std::shared_ptr<connection_limits> owner_;
    std::string address_; // empty: a chat connection slot
  };

  connection_limits(std::int64_t max_connections, std::int64_t max_per_address);

  /// One of max_connections chat connections.
  slot take_connection();

  /// One of `address`'s sockets (address: the peer's IP in any stable form).
  slot take_address(const std::string& address);

  /// Chat connections open now.
  std::int64_t live() const { return live_.load(std::memory_order_relaxed); }

  /// Addresses with at least one socket open (for tests and metrics).
  std::size_t addresses() const;

private:
  std::int64_t max_connections_;
  std::int64_t max_per_address_;
  std::atomic<std::int64_t> live_{0};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> per_address_;
};

} // namespace chat
