// transport/idle_watch.hpp: a socket silent for half the timeout is pinged
// once, one silent for all of it is dropped, one that was heard from is
// neither, and a socket that leaves the watch (even from within a sweep's
// close) is not touched again.
#include "transport/idle_watch.hpp"

#include <algorithm>
#include <chrono>
#include <functional>

#include <doctest/doctest.h>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// A session stand-in: counts pings and closes, and when each came.
class probe : public chat::idle_watch::entry {
public:
  int pings = 0;
  int closes = 0;
  clock_type::time_point first_ping{};
  clock_type::time_point first_close{};
  std::function<void()> on_close; // what the session would do then

  void hear() { heard(); }

private:
  void ping_idle() override {
    if (pings++ == 0)
      first_ping = clock_type::now();
  }
  void close_idle() override {
    if (closes++ == 0)
      first_close = clock_type::now();
    if (on_close)
      on_close();
  }
};

// One I/O thread's loop and its watch.
struct watch_fixture {
  chat::net::io_context ioc{1};
  chat::idle_watch watch{ioc};
};

} // namespace

TEST_SUITE("idle_watch") {

TEST_CASE_FIXTURE(watch_fixture,
                  "a silent socket is pinged at half the timeout, then dropped at the end") {
  probe silent;
  auto start = clock_type::now();
  watch.add(silent, 800ms);
  ioc.run_for(1300ms);
  REQUIRE(silent.pings == 1);
  REQUIRE(silent.closes >= 1);
  // A sweep runs every quarter of the timeout: each comes at most that late.
  CHECK(silent.first_ping - start >= 400ms);
  CHECK(silent.first_ping - start < 700ms);
  CHECK(silent.first_close - start >= 800ms);
  CHECK(silent.first_close - start < 1100ms);
  watch.remove(silent);
}

TEST_CASE_FIXTURE(watch_fixture, "a socket that keeps being heard from is left alone") {
  probe talking;
  probe silent;
  watch.add(talking, 400ms);
  watch.add(silent, 400ms);
  for (int i = 0; i < 8; ++i) { // 1.2 s: three timeouts
    ioc.run_for(150ms);
    talking.hear();
  }
  CHECK(talking.pings == 0);
  CHECK(talking.closes == 0);
  CHECK(silent.closes >= 1);
  watch.remove(silent);
  watch.remove(talking);
}

TEST_CASE_FIXTURE(
  watch_fixture, "sockets that leave during a sweep's close are each dropped once, in that sweep") {
  probe first;
  probe second;
  probe third;
  for (auto* p : {&first, &second, &third}) {
    watch.add(*p, 200ms);
    p->on_close = [this, p] { watch.remove(*p); }; // the session ends at once
  }
  ioc.run_for(500ms);
  CHECK(first.closes == 1);
  CHECK(second.closes == 1);
  CHECK(third.closes == 1);
  CHECK(watch.size() == 0);
  // None was skipped to a later sweep (50 ms apart) by another's removal.
  auto [earliest, latest] = std::minmax({first.first_close, second.first_close, third.first_close});
  CHECK(latest - earliest < 25ms);
  // With nothing left the timer stops: the loop runs dry.
  ioc.restart();
  CHECK(ioc.run_for(1s) <= 1);
}

} // TEST_SUITE("idle_watch")
