// Histogram and seen-bitmap arithmetic; see stats.hpp.
#include "bench/loadgen/stats.hpp"

#include <algorithm>
#include <cmath>

namespace bench {

namespace {

constexpr int sub_bits = 6;                          // 64 sub-buckets per power of two
constexpr std::int64_t linear_limit = 2 << sub_bits; // below: one bucket per ns

int msb(std::uint64_t v) {
  return 63 - __builtin_clzll(v);
}

std::size_t index_of(std::int64_t v) {
  if (v < linear_limit)
    return static_cast<std::size_t>(v);
  int e = msb(static_cast<std::uint64_t>(v)) - sub_bits; // >= 1
  return static_cast<std::size_t>(e) * (1 << sub_bits) + static_cast<std::size_t>(v >> e);
}

// The middle of bucket i's value range.
double middle_of(std::size_t i) {
  if (i < static_cast<std::size_t>(linear_limit))
    return static_cast<double>(i);
  auto e = static_cast<int>(i >> sub_bits) - 1;
  auto m = static_cast<std::int64_t>(i - static_cast<std::size_t>(e) * (1 << sub_bits));
  auto low = static_cast<double>(m << e);
  return low + static_cast<double>((std::int64_t{1} << e) - 1) / 2;
}

} // namespace

latency_histogram::latency_histogram() : buckets_(index_of(INT64_MAX) + 1, 0) {
}

void latency_histogram::record(std::int64_t ns) {
  ns = std::max<std::int64_t>(ns, 0);
  ++buckets_[index_of(ns)];
  ++count_;
  max_ = std::max(max_, ns);
}

double latency_histogram::quantile_ms(double q) const {
  if (count_ == 0)
    return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank)
      return std::min(middle_of(i), static_cast<double>(max_)) / 1e6;
  }
  return max_ms();
}

seen_set::seen_set(std::uint32_t receivers, std::uint64_t messages)
  : messages_(messages),
    words_per_receiver_((messages + 63) / 64),
    bits_(static_cast<std::size_t>(receivers * words_per_receiver_), 0) {
}

bool seen_set::mark(std::uint32_t receiver, std::uint64_t index) {
  auto& word = bits_[receiver * words_per_receiver_ + index / 64];
  const std::uint64_t bit = std::uint64_t{1} << (index % 64);
  if (word & bit)
    return false;
  word |= bit;
  return true;
}

std::uint64_t seen_set::count_range(std::uint32_t receiver, std::uint64_t from,
                                    std::uint64_t to) const {
  std::uint64_t n = 0;
  const auto* base = bits_.data() + receiver * words_per_receiver_;
  for (auto i = from; i < to; ++i)
    n += (base[i / 64] >> (i % 64)) & 1;
  return n;
}

} // namespace bench
