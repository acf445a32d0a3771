// actors/persist_beat: the users that asked during a beat are ticked
// together on the next multiple of the period (steady clock), once each,
// and not again until they ask again. Real time: a 200 ms beat.
#include "actors/persist_beat.hpp"

#include <chrono>
#include <cstdint>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <doctest/doctest.h>

#include "common/clock.hpp"

namespace {

using namespace std::chrono_literals;

constexpr std::int64_t period_ms = 200;

// A user actor as far as the beat sees it: reports each tick (who, when).
chat::persist_target::behavior_type ticked(const caf::actor& probe, int who) {
  return {
    [probe, who](chat::persist_atom) { caf::anon_send(probe, who, chat::steady_ms()); },
  };
}

struct beat_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor probe{sys};
  chat::persist_beat_actor beat
    = chat::spawn_persist_beat(sys, std::chrono::milliseconds{period_ms});

  ~beat_fixture() { caf::anon_send(beat, chat::close_atom::value); }

  chat::persist_target user(int who) { return sys.spawn(ticked, caf::actor{probe}, who); }

  // Returns once the steady clock is `from`..`to` ms into a beat.
  static void wait_for_phase(std::int64_t from, std::int64_t to) {
    for (auto in_beat = chat::steady_ms() % period_ms; in_beat < from || in_beat > to;
         in_beat = chat::steady_ms() % period_ms)
      std::this_thread::sleep_for(1ms);
  }

  // The next tick (who, when); who is 0 if none came within `wait`.
  std::pair<int, std::int64_t> next_tick(std::chrono::milliseconds wait = 2s) {
    std::pair<int, std::int64_t> got{0, 0};
    probe->receive([&](int who, std::int64_t at) { got = {who, at}; }, caf::after(wait) >> [] {});
    return got;
  }
};

} // namespace

TEST_CASE_FIXTURE(beat_fixture,
                  "the users that asked during a beat are ticked at its end, once each") {
  auto alice = user(1);
  auto bob = user(2);
  wait_for_phase(20, 60);
  auto asked_at = chat::steady_ms();
  probe->send(beat, chat::persist_atom::value, alice);
  probe->send(beat, chat::persist_atom::value, bob);
  auto first = next_tick();
  auto second = next_tick();
  REQUIRE(first.first != 0);
  REQUIRE(second.first != 0);
  CHECK(first.first + second.first == 3); // alice and bob, one tick each
  // The end of the beat they asked in: not at once (they asked 20-60 ms
  // into it), not a beat later.
  const auto beat_end = asked_at - asked_at % period_ms + period_ms;
  for (auto at : {first.second, second.second}) {
    CHECK(at >= beat_end);
    CHECK(at - beat_end < period_ms / 2);
  }
  // Nobody asked again: no more ticks.
  CHECK(next_tick(std::chrono::milliseconds{3 * period_ms}).first == 0);
}

TEST_CASE_FIXTURE(beat_fixture,
                  "a user that asks again after its tick is ticked on the next beat") {
  auto alice = user(1);
  probe->send(beat, chat::persist_atom::value, alice);
  auto first = next_tick();
  REQUIRE(first.first == 1);
  probe->send(beat, chat::persist_atom::value, alice);
  auto second = next_tick();
  REQUIRE(second.first == 1);
  CHECK(second.second - first.second > period_ms / 2);
  CHECK(second.second - first.second < 2 * period_ms);
}

TEST_CASE_FIXTURE(beat_fixture, "close stops the beat") {
  probe->monitor(beat);
  probe->send(beat, chat::close_atom::value);
  bool down = false;
  probe->receive([&](const caf::down_msg& dm) { down = dm.source == beat.address(); },
                 caf::after(2s) >> [] {});
  CHECK(down);
}
