// Typed stand-ins for actors a test does not exercise: they take every
// message of their interface (actors/interfaces.hpp) and do (almost)
// nothing, so a test can hand them to the actor under test where a handle
// is needed.
#pragma once

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "protocol/chat_error.hpp"

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
    [](ack_atom, commit_atom, const id_list&) { return true; },
    [](ack_atom, const cursor_list&, const id_list&) {},
    [](start_atom) { return true; },
    [](close_atom) {},
  };
}

/// A directory that hands every connect the given user actor and knows no
/// room.
inline directory_actor::behavior_type directory_of(directory_actor::pointer,
                                                   const user_actor& user) {
  return {
    [](room_atom, const std::string& name, bool, const join_options&) -> caf::result<room_actor> {
      return make_error(chat_errc::unknown_room, "no such room: " + name);
    },
    [user](connect_atom, const identity&, const connection_actor&, const session_ptr&) {
      return user;
    },
    [](online_atom, const std::string&, const std::string&, const user_actor&) { return false; },
    [](rooms_atom, const std::string&, std::int64_t) { return room_list{}; },
    [](direct_atom, const std::string&, const delivery_ptr&) {},
    [](idle_atom, const std::string&, std::uint64_t) {},
    [](stored_atom, const room_event_ptr&) {},
    [](ack_atom, const std::string&, const cursor_list&, const id_list&) {},
    [](member_atom, const std::string&, const identity&, bool) {},
    [](online_atom, const presence_report_ptr&) {},
    [](who_atom, const member_list& members) { return members; },
    [](close_atom) {},
  };
}

/// A registry that knows nobody and watches nothing.
inline registry_actor::behavior_type silent_registry() {
  auto nobody = [] { return make_error(chat_errc::unauthorized, "unknown"); };
  return {
    [nobody](register_atom, const std::string&, const std::string&,
             const std::string&) -> caf::result<identity> { return nobody(); },
    [nobody](login_atom, const std::string&, const std::string&,
             const std::string&) -> caf::result<login_result> { return nobody(); },
    [nobody](auth_atom, const std::string&) -> caf::result<token_grant> { return nobody(); },
    [](user_atom, const std::string& name) -> caf::result<identity> {
      return make_error(chat_errc::unknown_user, "no user called " + name);
    },
    [nobody](logout_atom, const std::string&) -> caf::result<bool> { return nobody(); },
    [](watch_atom, const std::string&, const connection_actor&) {},
    [](revoked_atom, const std::string&) {},
  };
}

} // namespace chat::test
