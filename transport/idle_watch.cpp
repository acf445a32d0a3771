#include "transport/idle_watch.hpp"

#include <algorithm>

namespace chat {

void idle_watch::add(entry& e, std::chrono::milliseconds timeout) {
  timeout_ = timeout;
  e.heard();
  e.slot_ = entries_.size();
  entries_.push_back(&e);
  if (!armed_)
    arm();
}

void idle_watch::remove(entry& e) {
  // Swap with the last: O(1), and the order of a sweep does not matter.
  auto* last = entries_.back();
  entries_[e.slot_] = last;
  last->slot_ = e.slot_;
  entries_.pop_back();
  if (entries_.empty())
    std::vector<entry*>().swap(entries_); // a burst of sockets came and went
}

// Four sweeps per timeout (at most one per second, at least one per 100 ms):
// a socket is pinged and dropped within a quarter of the timeout of when
// Beast's own timer would have done it.
void idle_watch::arm() {
  armed_ = true;
  auto period = std::clamp<std::chrono::milliseconds>(timeout_ / 4, std::chrono::milliseconds(100),
                                                      std::chrono::seconds(1));
  timer_.expires_after(period);
  timer_.async_wait([this](beast::error_code ec) {
    armed_ = false;
    if (ec)
      return; // the io_context is going away
    sweep();
    if (!entries_.empty())
      arm();
  });
}

void idle_watch::sweep() {
  auto now = clock::now();
  auto half = timeout_ / 2;
  // Backwards, checking the bound each time: a close may end a session
  // (and remove it) from here, which moves the last entry into its slot,
  // one already visited.
  for (auto i = entries_.size(); i-- > 0;) {
    if (i >= entries_.size())
      continue;
    auto* e = entries_[i];
    auto silent = now - e->heard_at_;
    if (silent >= timeout_) {
      // Dropped once, not at every sweep while the close runs (and not
      // pinged again).
      e->heard_at_ = now;
      e->pinged_ = true;
      e->close_idle();
    } else if (silent >= half && !e->pinged_) {
      e->pinged_ = true;
      e->ping_idle();
    }
  }
}

} // namespace chat
