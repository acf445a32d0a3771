// Counting without allocating on the hot path: a log-linear latency histogram
// (fixed size, under 1% relative error) and a per-receiver "seen" bitmap that
// finds missing and duplicate deliveries.
#pragma once

#include <cstdint>
#include <vector>

namespace bench {

/// Nanosecond values in 64 linear sub-buckets per power of two (exact below 128 ns).
class latency_histogram {
public:
  latency_histogram();
  void record(std::int64_t ns);
  std::uint64_t count() const { return count_; }
  /// The value at quantile q in [0,1] (a bucket midpoint, clamped to the max
  /// seen), in milliseconds; 0 when empty.
  double quantile_ms(double q) const;
  double max_ms() const { return static_cast<double>(max_) / 1e6; }

private:
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
};

/// For each receiver, one bit per message index it may receive.
class seen_set {
public:
  seen_set(std::uint32_t receivers, std::uint64_t messages);
  /// True the first time (receiver, index) is marked, false on a duplicate.
  bool mark(std::uint32_t receiver, std::uint64_t index);
  std::uint64_t messages() const { return messages_; }
  /// How many of receiver's bits in [from, to) are set.
  std::uint64_t count_range(std::uint32_t receiver, std::uint64_t from, std::uint64_t to) const;

private:
  std::uint64_t messages_;
  std::uint64_t words_per_receiver_;
  std::vector<std::uint64_t> bits_;
};

} // namespace bench
