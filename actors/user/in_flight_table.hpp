// A user's in-flight deliveries, by storage row id, in one vector sorted by
// key (the ack_ledger's table; no actor around it).
//
// Why not a hash map: a client that reads slowly has thousands of messages
// in flight, and every delivery and every acked id cost a hash table one or
// two cache misses at a random place in a table no cache holds for 1,000
// users (bench/profile.md, issue 18). Row ids are handed out in commit
// order, so deliveries mostly come in key order and acks in the same order:
// here a delivery is usually an append at the back and an ack a take from
// the front, both on memory just touched. Out of order (a room's batch that
// overtook another's, a replay, acks in another order) costs a binary
// search, and a put in the middle a move of what follows it.
//
// Taken entries stay as dead slots until the front passes them (the front
// skips them, a put of the same key revives one); the dead prefix is cut
// once it is half the vector. Emptied, the table keeps its memory for the
// next batch (an active user empties and refills it all the time: freeing
// and growing it again each time cost malloc's slow path, bench/profile.md)
// until its owner calls release() a little later.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace chat {

template <class Value>
class in_flight_table {
public:
  std::size_t size() const { return live_; }

  bool empty() const { return live_ == 0; }

  /// Whether the table is empty but still holds memory (release() frees it).
  bool holds_spare() const { return live_ == 0 && slots_.capacity() > 0; }

  /// Gives the memory back if the table is empty.
  void release() {
    if (live_ == 0)
      std::vector<slot>().swap(slots_);
  }

  /// Adds `key`, or replaces its value if it is in flight already.
  void put(std::int64_t key, const Value& value) {
    if (slots_.capacity() == 0)
      slots_.reserve(first_capacity);
    if (slots_.size() == head_ || slots_.back().key < key) {
      slots_.push_back({key, value, true});
      ++live_;
      return;
    }
    auto it = find_slot(key);
    if (it != slots_.end() && it->key == key) {
      live_ += it->live ? 0 : 1;
      *it = {key, value, true};
      return;
    }
    slots_.insert(it, {key, value, true});
    ++live_;
  }

  /// Removes `key` and returns its value; none if it is not in flight.
  std::optional<Value> take(std::int64_t key) {
    auto it = slots_.begin() + static_cast<std::ptrdiff_t>(head_);
    if (it == slots_.end() || it->key != key) // the usual case: the oldest one
      it = find_slot(key);
    if (it == slots_.end() || it->key != key || !it->live)
      return std::nullopt;
    it->live = false;
    --live_;
    auto value = it->value;
    trim_front();
    return value;
  }

  /// Removes every entry for which `pred(key, value)` holds.
  /// In place, keeping key order (cluster mode calls it per absorbed ack).
  template <class Pred>
  void erase_if(Pred pred) {
    auto first = slots_.begin() + static_cast<std::ptrdiff_t>(head_);
    auto kept_end = std::remove_if(first, slots_.end(),
                                   [&](const slot& s) { return !s.live || pred(s.key, s.value); });
    slots_.erase(kept_end, slots_.end());
    live_ = slots_.size() - head_;
    trim_front();
  }

  /// Calls `f(key, value)` for every entry, in key order.
  template <class F>
  void for_each(F f) const {
    for (auto it = slots_.begin() + static_cast<std::ptrdiff_t>(head_); it != slots_.end(); ++it)
      if (it->live)
        f(it->key, it->value);
  }

private:
  // Deliveries come in batches: a table that started at one slot would
  // reallocate five times before it held sixteen.
  static constexpr std::size_t first_capacity = 16;

  struct slot {
    std::int64_t key;
    Value value;
    bool live;
  };

  // The first slot from the front whose key is not below `key`.
  typename std::vector<slot>::iterator find_slot(std::int64_t key) {
    return std::lower_bound(slots_.begin() + static_cast<std::ptrdiff_t>(head_), slots_.end(), key,
                            [](const slot& s, std::int64_t k) { return s.key < k; });
  }

  // Skips dead slots at the front; cuts them off once they are half the
  // vector, or all of them once nothing is left.
  void trim_front() {
    while (head_ < slots_.size() && !slots_[head_].live)
      ++head_;
    if (live_ == 0) {
      slots_.clear();
      head_ = 0;
    } else if (head_ > 32 && head_ * 2 > slots_.size()) {
      slots_.erase(slots_.begin(), slots_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

  std::vector<slot> slots_; // sorted by key; [0, head_) are dead
  std::size_t head_ = 0;
  std::size_t live_ = 0;
};

} // namespace chat
