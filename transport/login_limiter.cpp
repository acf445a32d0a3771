#include "transport/login_limiter.hpp"

#include <algorithm>

namespace chat {

login_limiter::login_limiter(double per_name_per_minute, double per_address_per_minute)
  : per_name_(per_name_per_minute),
    per_address_(per_address_per_minute) {
}

token_bucket& login_limiter::bucket(std::unordered_map<std::string, token_bucket>& table,
                                    const std::string& key, double per_minute,
                                    std::int64_t now_ms) {
  auto it = table.find(key);
  if (it == table.end())
    it = table.emplace(key, token_bucket{per_minute / 60.0, per_minute, now_ms}).first;
  return it->second;
}

// Buckets that filled up again say nothing a new bucket would not: dropped
// once a minute, so names and addresses seen once do not pile up.
void login_limiter::forget_idle(std::int64_t now_ms) {
  if (now_ms < next_sweep_ms_)
    return;
  next_sweep_ms_ = now_ms + 60000;
  for (auto* table : {&names_, &addresses_})
    for (auto it = table->begin(); it != table->end();)
      it = it->second.full(now_ms) ? table->erase(it) : std::next(it);
}

std::int64_t login_limiter::login(const std::string& name, const std::string& address,
                                  std::int64_t now_ms) {
  std::lock_guard<std::mutex> guard{mutex_};
  forget_idle(now_ms);
  auto& by_name = bucket(names_, name, per_name_, now_ms);
  auto& by_address = bucket(addresses_, address, per_address_, now_ms);
  // Both must have a token; neither is charged when one refuses.
  if (auto wait = by_name.take(1, now_ms); wait > 0)
    return wait;
  if (auto wait = by_address.take(1, now_ms); wait > 0) {
    by_name.give_back(1);
    return wait;
  }
  return 0;
}

std::int64_t login_limiter::registration(const std::string& address, std::int64_t now_ms) {
  std::lock_guard<std::mutex> guard{mutex_};
  forget_idle(now_ms);
  return bucket(addresses_, address, per_address_, now_ms).take(1, now_ms);
}

} // namespace chat
