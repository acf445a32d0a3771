// A token bucket: `rate` tokens per second refill it up to `burst`; a request
// costing `cost` tokens passes if that many are there. Used per connection
// for frames and per name / per address for logins. Time comes in from the
// caller (milliseconds of steady_ms(), common/clock.hpp) so tests need no
// clock.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace chat {

class token_bucket {
public:
  token_bucket(double rate_per_s, double burst, std::int64_t now_ms)
    : rate_(rate_per_s),
      burst_(burst),
      tokens_(burst),
      last_ms_(now_ms) {}

  /// Takes `cost` tokens and returns 0, or takes none and returns how many
  /// milliseconds until `cost` tokens will be there (at least 1).
  std::int64_t take(double cost, std::int64_t now_ms) {
    refill(now_ms);
    if (tokens_ >= cost) {
      tokens_ -= cost;
      return 0;
    }
    auto wait_ms = std::ceil((std::min(cost, burst_) - tokens_) * 1000.0 / rate_);
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(wait_ms));
  }

  /// Returns tokens taken for something that did not happen after all.
  void give_back(double cost) { tokens_ = std::min(burst_, tokens_ + cost); }

  /// True once the bucket is full again: an entry for it can be forgotten.
  bool full(std::int64_t now_ms) {
    refill(now_ms);
    return tokens_ >= burst_;
  }

private:
  void refill(std::int64_t now_ms) {
    if (now_ms > last_ms_) {
      tokens_ = std::min(burst_, tokens_ + (now_ms - last_ms_) * rate_ / 1000.0);
      last_ms_ = now_ms;
    }
  }

  double rate_;
  double burst_;
  double tokens_;
  std::int64_t last_ms_;
};

} // namespace chat
