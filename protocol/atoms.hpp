// The atoms that tag messages between actors (CAF 0.17: at most 10
// characters). Each has one meaning; the typed interfaces (actors/*.hpp,
// protocol/storage_api.hpp) say which actor takes which, with what.
#pragma once

#include <caf/atom.hpp>

namespace chat {

// -- requests and notices between actors ---------------------------------------

/// Ids a client acked: connection -> user; acked directs: user -> storage.
using ack_atom = caf::atom_constant<caf::atom("ack")>;
/// Stores a room message or a direct (storage).
using append_atom = caf::atom_constant<caf::atom("append")>;
/// Checks a token (registry).
using auth_atom = caf::atom_constant<caf::atom("auth")>;
/// Stop: the socket is gone, the user retires, or the server shuts down.
using close_atom = caf::atom_constant<caf::atom("close")>;
/// A new connection of a user: directory (spawns the user actor) -> user.
using connect_atom = caf::atom_constant<caf::atom("connect")>;
/// Stores a new user, token or room (storage).
using create_atom = caf::atom_constant<caf::atom("create")>;
/// A member's cursor: written (storage), or read with load_atom.
using cursor_atom = caf::atom_constant<caf::atom("cursor")>;
/// Deletes a token (storage: logout).
using delete_atom = caf::atom_constant<caf::atom("delete")>;
/// Deliveries for the user actor to track and send (room or directory -> user).
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
/// A stored direct to route to its recipient (connection -> directory).
using direct_atom = caf::atom_constant<caf::atom("direct")>;
/// The connection's token expired (registry -> connection).
using expire_atom = caf::atom_constant<caf::atom("expire")>;
/// A client's text frame (session -> connection).
using frame_atom = caf::atom_constant<caf::atom("frame")>;
/// Is storage writing? (GET /healthz)
using health_atom = caf::atom_constant<caf::atom("health")>;
/// A page of a room's history (room, storage).
using history_atom = caf::atom_constant<caf::atom("history")>;
/// A user actor has nothing left to do (user -> directory).
using idle_atom = caf::atom_constant<caf::atom("idle")>;
/// Join a room (connection -> room).
using join_atom = caf::atom_constant<caf::atom("join")>;
/// A new membership, owed what follows a seq (room -> user).
using joined_atom = caf::atom_constant<caf::atom("joined")>;
/// Leave a room (connection -> room).
using leave_atom = caf::atom_constant<caf::atom("leave")>;
/// A membership ended (room -> user).
using left_atom = caf::atom_constant<caf::atom("left")>;
/// Reads users, tokens, a room or a user's cursors (storage).
using load_atom = caf::atom_constant<caf::atom("load")>;
/// Checks a password and issues a token (registry).
using login_atom = caf::atom_constant<caf::atom("login")>;
/// Ends a token (registry).
using logout_atom = caf::atom_constant<caf::atom("logout")>;
/// A membership change to store (room -> storage).
using member_atom = caf::atom_constant<caf::atom("member")>;
/// A member's user actor is online: user -> directory -> room.
using online_atom = caf::atom_constant<caf::atom("online")>;
/// Post a message to a room (connection -> room).
using post_atom = caf::atom_constant<caf::atom("post")>;
/// Creates an account (registry).
using register_atom = caf::atom_constant<caf::atom("register")>;
/// A frame for one connection, in line with the deliveries after it (room
/// -> user: `joined`).
using relay_atom = caf::atom_constant<caf::atom("relay")>;
/// What a user has not acked (storage).
using replay_atom = caf::atom_constant<caf::atom("replay")>;
/// The connection's token was logged out (registry -> connection).
using revoked_atom = caf::atom_constant<caf::atom("revoked")>;
/// A room by name (directory); a room record (storage).
using room_atom = caf::atom_constant<caf::atom("room")>;
/// The rooms a user may see (directory, storage).
using rooms_atom = caf::atom_constant<caf::atom("rooms")>;
/// Answered once the user is online in its rooms (connection -> user).
using start_atom = caf::atom_constant<caf::atom("start")>;
/// A room's messages after a seq (storage): the read that repairs a gap.
using since_atom = caf::atom_constant<caf::atom("since")>;
/// Room messages committed, by any node, as the cluster bus reports them
/// (bus -> directory -> room).
using stored_atom = caf::atom_constant<caf::atom("stored")>;
/// A token record (storage).
using token_atom = caf::atom_constant<caf::atom("token")>;
/// A user by name (registry); a user record (storage).
using user_atom = caf::atom_constant<caf::atom("user")>;
/// Every user record (storage).
using users_atom = caf::atom_constant<caf::atom("users")>;
/// Tell a connection when its token ends (connection -> registry).
using watch_atom = caf::atom_constant<caf::atom("watch")>;
/// A room's members (room).
using who_atom = caf::atom_constant<caf::atom("who")>;

// -- an actor's messages to itself (not in its public interface) ---------------

/// Storage: the commit window of a batch ended.
using commit_atom = caf::atom_constant<caf::atom("commit")>;
/// User: the latest in-flight deadline passed; retire if idle.
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
/// Room: fan out what was stored meanwhile.
using fanout_atom = caf::atom_constant<caf::atom("fanout")>;
/// Registry: a password hash is done.
using hashed_atom = caf::atom_constant<caf::atom("hashed")>;
/// User: write the cursors that acks moved.
using persist_atom = caf::atom_constant<caf::atom("persist")>;
/// Registry: drop expired tokens and tell their connections.
using sweep_atom = caf::atom_constant<caf::atom("sweep")>;
/// Registry: a password check is done.
using verified_atom = caf::atom_constant<caf::atom("verified")>;

} // namespace chat
