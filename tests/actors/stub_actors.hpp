// Typed stand-ins for actors a test does not exercise: they take every
// message of their interface (actors/interfaces.hpp) and do nothing, so a
// test can hand them to the actor under test where a handle is needed.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"

namespace chat::test {

inline connection_actor::behavior_type silent_connection() {
  return {
    [](frame_atom, const std::string&) {},
    [](expire_atom) {},
    [](revoked_atom) {},
    [](close_atom) {},
  };
}

inline user_actor::behavior_type silent_user() {
  return {
    [](connect_atom, const connection_actor&, const session_ptr&) {},
    [](deliver_atom, const delivery_batch&) {},
    [](relay_atom, const caf::actor_addr&, const frame_ptr&) {},
    [](joined_atom, const std::string&, std::int64_t) {},
    [](left_atom, const std::string&) {},
    [](ack_atom, const id_list&) {},
    [](start_atom) { return true; },
    [](close_atom) {},
  };
}

} // namespace chat::test
