// The actors' contracts as types (CAF typed actors): every message an actor
// takes, and what it answers. A sender holds the typed handle, so a message
// nobody handles is a compile error; docs/architecture.md's actor table
// points here. In the order they depend on each other; storage's contract
// is protocol/storage_api.hpp. Messages an actor sends itself (timers) are
// not part of these: each actor's file extends its interface with them.
#pragma once

#include <cstdint>
#include <string>

#include <caf/actor_addr.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "protocol/atoms.hpp"
#include "protocol/messages.hpp"

namespace chat {

/// One per authenticated session (actors/connection.hpp): client frames in,
/// frames out to its session.
using connection_actor = caf::typed_actor<
  /// A text frame from the client (session).
  caf::reacts_to<frame_atom, std::string>,
  /// The token expired (registry): an error frame, then close 1008.
  caf::reacts_to<expire_atom>,
  /// The token was logged out (registry): close 1008.
  caf::reacts_to<revoked_atom>,
  /// The socket is gone (session), or the server stops (user): close 1001.
  caf::reacts_to<close_atom>>;

/// One per user with a connection or with deliveries awaiting their ack
/// (actors/user.hpp): tracks deliveries until acked and replays the rest.
using user_actor = caf::typed_actor<
  /// A new connection and its session (directory). The connection is
  /// monitored; its session gets the replay (directs, each room's backlog,
  /// `replayed`), then live traffic.
  caf::reacts_to<connect_atom, connection_actor, session_ptr>,
  /// Room messages, presence or a direct to track (if acked) and send to
  /// every connection (room, directory).
  caf::reacts_to<deliver_atom, delivery_batch>,
  /// A frame for one connection, in line with what the sender delivers next
  /// (room: `joined`, so no message of the room overtakes it).
  caf::reacts_to<relay_atom, caf::actor_addr, frame_ptr>,
  /// (room, last_seq): a new membership, owed what follows last_seq (room).
  caf::reacts_to<joined_atom, std::string, std::int64_t>,
  /// (room): the membership ended (room).
  caf::reacts_to<left_atom, std::string>,
  /// Ids acked by one of the connections. No reply: the connection answers
  /// `acked` once the ack is in this actor's mailbox.
  caf::reacts_to<ack_atom, id_list>,
  /// The same in cluster mode: answered once the moved cursors and the
  /// deleted directs are committed, so a reconnect to any node replays none
  /// of them (connection).
  caf::replies_to<ack_atom, commit_atom, id_list>::with<bool>,
  /// (cursors, direct ids): acks another node committed (directory, from the
  /// cluster bus): not waited for any more.
  caf::reacts_to<ack_atom, cursor_list, id_list>,
  /// Answered once every running room knows the user is online (connection).
  caf::replies_to<start_atom>::with<bool>,
  /// Retire (directory): write the cursors, close the connections, quit.
  caf::reacts_to<close_atom>>;

/// One per room in use (actors/room.hpp): membership, settings, fan-out.
using room_actor = caf::typed_actor<
  /// (who, user actor, key, ref) from a connection: `joined` (with ref)
  /// goes to the asking connection through the user actor, ahead of the
  /// room's next deliveries. Errors: forbidden (wrong key), room_full.
  caf::replies_to<join_atom, identity, user_actor, std::string, std::string>::with<member_list>,
  /// (user_id). Error: not_member.
  caf::replies_to<leave_atom, std::string>::with<bool>,
  /// (who, body): stored (id and seq set), then fanned out to the online
  /// members. Error: not_member.
  caf::replies_to<post_atom, identity, std::string>::with<chat_message>,
  /// (user_id, page). Error: forbidden (private room, not a member).
  caf::replies_to<history_atom, std::string, std::int64_t>::with<history_page>,
  caf::replies_to<who_atom>::with<member_list>,
  /// (user_id, user actor): a member's user actor is online; true once it
  /// gets the room's messages live (directory).
  caf::replies_to<online_atom, std::string, user_actor>::with<bool>,
  /// Messages of the room committed by any node (the cluster bus, through
  /// the directory): delivered in seq order after what it already delivered;
  /// what it missed is read from storage first.
  caf::reacts_to<stored_atom, room_event_ptr>,
  /// (who, the member's user actor here or null, joined): a membership
  /// changed on another node (the cluster bus, through the directory): the
  /// member list and a presence event.
  caf::reacts_to<member_atom, identity, user_actor, bool>,
  /// Server shutdown: fan out what is pending, quit.
  caf::reacts_to<close_atom>>;

/// One per server (actors/directory.hpp): room names and user ids to their
/// actors, spawned on demand.
using directory_actor = caf::typed_actor<
  /// (name, create, options): the room, loaded or (create) created with the
  /// options. Not stored and not create: unknown_room.
  caf::replies_to<room_atom, std::string, bool, join_options>::with<room_actor>,
  /// (who, connection, session): the user's actor, spawned if needed, with
  /// the connection attached.
  caf::replies_to<connect_atom, identity, connection_actor, session_ptr>::with<user_actor>,
  /// (room, user_id, user actor): a user actor coming online tells its room
  /// if the room is running (the room's answer); a room not running is not
  /// loaded for it (false): it learns its online members as it loads.
  caf::replies_to<online_atom, std::string, std::string, user_actor>::with<bool>,
  /// (user_id, offer): the rooms the user may see (from storage; offer as
  /// in storage_api.hpp).
  caf::replies_to<rooms_atom, std::string, std::int64_t>::with<room_list>,
  /// (to_user, delivery): a stored direct for the recipient's user actor,
  /// if it is online (offline, it is replayed from storage).
  caf::reacts_to<direct_atom, std::string, delivery_ptr>,
  /// (user_id, connects seen): the user actor is idle; retired unless a
  /// connect is on its way.
  caf::reacts_to<idle_atom, std::string, std::uint64_t>,
  /// A room event from the cluster bus (bus_listener): to the room, if it
  /// runs on this node (else nobody here is owed it live).
  caf::reacts_to<stored_atom, room_event_ptr>,
  /// (user_id, cursors, direct ids): another node's committed acks, to the
  /// user's actor if it runs here (bus_listener).
  caf::reacts_to<ack_atom, std::string, cursor_list, id_list>,
  /// (room, who, joined): another node's membership change, to the room if
  /// it runs here (bus_listener).
  caf::reacts_to<member_atom, std::string, identity, bool>,
  /// Who is online on the other nodes (bus_listener): a snapshot or changes.
  caf::reacts_to<online_atom, presence_report_ptr>,
  /// The members' `online` with those online on other nodes too (cluster
  /// mode; on one node nobody is).
  caf::replies_to<who_atom, member_list>::with<member_list>,
  /// Server shutdown: close every user (so every connection) and room.
  caf::reacts_to<close_atom>>;

/// One per server (actors/auth_registry.hpp): accounts and tokens.
using registry_actor = caf::typed_actor<
  /// (name, password, server_password). Errors: unauthorized (server
  /// password), bad_request, name_taken, busy.
  caf::replies_to<register_atom, std::string, std::string, std::string>::with<identity>,
  /// (name, password, server_password). Errors: unauthorized, busy.
  caf::replies_to<login_atom, std::string, std::string, std::string>::with<login_result>,
  /// (token). Error: unauthorized.
  caf::replies_to<auth_atom, std::string>::with<token_grant>,
  /// (name). Error: unknown_user.
  caf::replies_to<user_atom, std::string>::with<identity>,
  /// (token): gone from memory and disk; its watchers are told (revoked).
  /// Error: unauthorized.
  caf::replies_to<logout_atom, std::string>::with<bool>,
  /// (token digest, connection): tell the connection `revoked` when the
  /// token is logged out, `expire` within a second of its expiry.
  caf::reacts_to<watch_atom, std::string, connection_actor>,
  /// (token digest): logged out on another node (cluster bus): forgotten
  /// here, and its watchers told `revoked`.
  caf::reacts_to<revoked_atom, std::string>>;

/// What the persist beat ticks: a user actor's cursor write (its
/// `persist_atom` handler writes the cursors moved since the last one).
using persist_target = caf::typed_actor<caf::reacts_to<persist_atom>>;

/// One per server (actors/persist_beat.hpp, spawned by the directory): the
/// users' cursor writes on one shared beat.
using persist_beat_actor = caf::typed_actor<
  /// (user): tick it at the next multiple of cursor_flush on the steady
  /// clock (user actors, each at most once per beat).
  caf::reacts_to<persist_atom, persist_target>,
  /// Server shutdown (directory).
  caf::reacts_to<close_atom>>;

} // namespace chat
