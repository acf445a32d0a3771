// actors/request_timeouts.hpp: a reply taken with then_dropping /
// await_dropping takes its request's timeout out of CAF's clock at once.
// Without it the entry stays until the timeout would have fired (here
// 60 s) for as long as the asking actor lives. Runs on CAF's test
// coordinator, whose clock shows what it holds.
#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/detail/test_actor_clock.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <doctest/doctest.h>

#include "actors/request_timeouts.hpp"

namespace {

using namespace std::chrono_literals;

enum class taking { plain_then, then_dropping, await_dropping };

caf::behavior echo() {
  return {[](int x) { return x; }};
}

// Asks `responder` once with a 60 s timeout, then lives on; `replies` adds
// up what came back.
caf::behavior asker(caf::event_based_actor* self, const caf::actor& responder, taking how,
                    int* replies) {
  auto asked = self->request(responder, 60s, 7);
  auto on_reply = [replies](int x) { *replies += x; };
  auto on_error = [](const caf::error&) {};
  switch (how) {
    case taking::plain_then: asked.then(on_reply, on_error); break;
    case taking::then_dropping: chat::then_dropping(self, asked, on_reply, on_error); break;
    case taking::await_dropping: chat::await_dropping(self, asked, on_reply, on_error); break;
  }
  return {[](const std::string&) {}};
}

/// Whether CAF's clock still holds a timeout once `how` took the reply.
bool timeout_left_after(taking how) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", caf::atom("testing"));
  caf::actor_system sys{cfg};
  auto& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  int replies = 0;
  auto responder = sys.spawn(echo);
  auto a = sys.spawn(asker, responder, how, &replies);
  sched.run();
  CHECK(replies == 7); // the reply was handled either way
  bool left = sched.clock().has_pending_timeout();
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(responder, caf::exit_reason::user_shutdown);
  sched.run();
  return left;
}

} // namespace

TEST_SUITE("request timeouts") {

TEST_CASE("a reply taken with then_dropping or await_dropping leaves no timeout behind") {
  CHECK_FALSE(timeout_left_after(taking::then_dropping));
  CHECK_FALSE(timeout_left_after(taking::await_dropping));
}

TEST_CASE("a reply taken with plain then leaves its timeout in CAF's clock") {
  // What the helpers are for: this is CAF 0.17's own behaviour.
  CHECK(timeout_left_after(taking::plain_then));
}

} // TEST_SUITE("request timeouts")
