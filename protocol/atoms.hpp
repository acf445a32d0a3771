// The atoms that tag messages between actors (CAF 0.17: at most 10
// characters). One meaning each: docs/architecture.md's actor table lists
// which actor takes which.
#pragma once

#include <caf/atom.hpp>

namespace chat {

using ack_atom = caf::atom_constant<caf::atom("ack")>;
using append_atom = caf::atom_constant<caf::atom("append")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using auth_atom = caf::atom_constant<caf::atom("auth")>;
using close_atom = caf::atom_constant<caf::atom("close")>;
using create_atom = caf::atom_constant<caf::atom("create")>;
using cursor_atom = caf::atom_constant<caf::atom("cursor")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using direct_atom = caf::atom_constant<caf::atom("direct")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using flush_atom = caf::atom_constant<caf::atom("flush")>;
using frame_atom = caf::atom_constant<caf::atom("frame")>;
using hashed_atom = caf::atom_constant<caf::atom("hashed")>;
using health_atom = caf::atom_constant<caf::atom("health")>;
using history_atom = caf::atom_constant<caf::atom("history")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using login_atom = caf::atom_constant<caf::atom("login")>;
using logout_atom = caf::atom_constant<caf::atom("logout")>;
using member_atom = caf::atom_constant<caf::atom("member")>;
using post_atom = caf::atom_constant<caf::atom("post")>;
using register_atom = caf::atom_constant<caf::atom("register")>;
using replay_atom = caf::atom_constant<caf::atom("replay")>;
using room_atom = caf::atom_constant<caf::atom("room")>;
using rooms_atom = caf::atom_constant<caf::atom("rooms")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using token_atom = caf::atom_constant<caf::atom("token")>;
using user_atom = caf::atom_constant<caf::atom("user")>;
using users_atom = caf::atom_constant<caf::atom("users")>;
using verified_atom = caf::atom_constant<caf::atom("verified")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using who_atom = caf::atom_constant<caf::atom("who")>;

} // namespace chat
