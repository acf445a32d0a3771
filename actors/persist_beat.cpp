#include "actors/persist_beat.hpp"

#include <utility>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "common/clock.hpp"

namespace chat {

namespace {

/// The interface plus the tick it sends itself.
using beat_impl = persist_beat_actor::extend<caf::reacts_to<persist_atom>>;

struct beat_state {
  std::vector<persist_target> due; // asked since the last tick
  bool armed = false;              // the next tick is on the clock
  static inline const char* name = "persist_beat";
};

using beat_pointer = beat_impl::stateful_pointer<beat_state>;

beat_impl::behavior_type persist_beat(beat_pointer self, std::chrono::milliseconds period) {
  return {
    [self, period](persist_atom, persist_target& user) {
      auto& st = self->state;
      // A user asks once per beat (it remembers it asked), so no
      // duplicate check here.
      st.due.push_back(std::move(user));
      if (st.armed)
        return;
      st.armed = true;
      auto p = period.count();
      self->delayed_send(self, std::chrono::milliseconds{p - steady_ms() % p}, persist_atom::value);
    },
    [self](persist_atom) {
      auto& st = self->state;
      st.armed = false;
      for (const auto& user : st.due)
        self->send(user, persist_atom::value);
      st.due.clear();
    },
    [self](close_atom) { self->quit(); },
  };
}

} // namespace

persist_beat_actor spawn_persist_beat(caf::actor_system& sys, std::chrono::milliseconds period) {
  return sys.spawn(persist_beat, period);
}

} // namespace chat
