// The storage actor's contract: what the actors (and the server's start-up)
// may ask of storage, as a typed interface. The SQLite store
// (storage/message_store) implements it, and so does the test fake
// (tests/actors/fake_storage.hpp), so neither can drift from it. It lives
// here, below both actors/ and storage/, so that neither depends on the
// other.
//
// Reads are answered at once and see writes whose batch has not committed
// yet. Writes with a reply are answered only after the batch holding them
// committed: a reply means "durable". Fire-and-forget writes commit with
// the next batch; a failure is logged. Failures reply with chat_errc
// `storage` (the request did not happen).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "protocol/atoms.hpp"
#include "protocol/messages.hpp"

namespace chat {

using storage_actor = caf::typed_actor<
  // -- reads -------------------------------------------------------------------
  /// Every account (the registry's start).
  caf::replies_to<load_atom, users_atom>::with<user_list>,
  /// The tokens unexpired at the given Unix ms.
  caf::replies_to<load_atom, token_atom, std::int64_t>::with<token_list>,
  /// One account by name, if stored (cluster mode: registered on another node).
  caf::replies_to<load_atom, user_atom, std::string>::with<std::optional<user_record>>,
  /// One token by digest with its user, if stored (cluster mode: issued by
  /// another node); expired ones too (the asker checks).
  caf::replies_to<load_atom, token_atom, std::string>::with<std::optional<token_grant>>,
  /// A room with its members and names; last_seq = its highest stored seq.
  caf::replies_to<load_atom, room_atom, std::string>::with<std::optional<room_record>>,
  /// One cursor per room the user belongs to, by room name.
  caf::replies_to<load_atom, cursor_atom, std::string>::with<cursor_list>,
  /// (room, page, page_size): page 0 = the newest page_size messages,
  /// oldest first.
  caf::replies_to<history_atom, std::string, std::int64_t, std::int64_t>::with<history_page>,
  /// (user_id, offer), by name: offer < 0, every public room and channel
  /// plus the private rooms the user belongs to; else the rooms it belongs
  /// to plus at most `offer` public rooms and `offer` channels it is not in
  /// (the first by name), so a client need not read every user's channel.
  caf::replies_to<rooms_atom, std::string, std::int64_t>::with<room_list>,
  /// (user_id, cursors, backlog_max): the user's directs in id order, then
  /// one backlog per cursor owed something (in the cursors' order): the
  /// room's messages after the cursor, in seq order, cut to the newest
  /// backlog_max (`truncated`, `from_seq`). backlog_max < 1: bad_request.
  caf::replies_to<replay_atom, std::string, cursor_list, std::int64_t>::with<replay_batch>,
  /// (room, after_seq, limit): the room's messages with seq > after_seq, in
  /// seq order, at most limit (limit < 1: bad_request).
  caf::replies_to<since_atom, std::string, std::int64_t, std::int64_t>::with<message_list>,
  /// true, or error storage with the last failure while writes fail (until
  /// a batch with writes commits again).
  caf::replies_to<health_atom>::with<bool>,
  // -- writes, answered once committed -----------------------------------------
  /// A user, its channel room and its membership in it, in one batch.
  /// Name taken: name_taken.
  caf::replies_to<create_atom, user_atom, user_record, room_record>::with<bool>,
  caf::replies_to<create_atom, token_atom, token_record>::with<bool>,
  /// A token by digest (logout).
  caf::replies_to<delete_atom, token_atom, std::string>::with<bool>,
  caf::replies_to<create_atom, room_atom, room_record>::with<bool>,
  /// The message numbered (`seq`: the room's next, the given one ignored)
  /// and with its id (protocol/message_id).
  caf::replies_to<append_atom, chat_message>::with<chat_message>,
  /// The direct with its id. An unknown to_user: unknown_user, at once.
  caf::replies_to<append_atom, direct_message>::with<direct_message>,
  /// (user_id, cursors, direct ids): the acks of one ack frame, answered once
  /// committed (cluster mode: `acked` waits for it, so a reconnect to any
  /// node replays none of them). Each cursor as `cursor_atom` below, the
  /// directs as `ack_atom` below.
  caf::replies_to<ack_atom, std::string, cursor_list, id_list>::with<bool>,
  // -- writes, fire and forget ---------------------------------------------------
  /// (room, user_id, joined). A new member's cursor starts at the room's
  /// highest stored seq; joining again keeps it; leaving drops it.
  caf::reacts_to<member_atom, std::string, std::string, bool>,
  /// (user_id, room, acked_seq, acked_above): the member's cursor (acked_above
  /// is stored sorted, without duplicates or seqs <= acked_seq); nothing for
  /// a non-member. A cursor never moves back: a lower acked_seq than the
  /// stored one changes nothing (cluster mode: another node's actor of the
  /// user may have written a newer one).
  caf::reacts_to<cursor_atom, std::string, std::string, std::int64_t, std::vector<std::int64_t>>,
  /// (user_id, direct ids): deletes those directs addressed to the user;
  /// malformed ids and other users' directs are ignored.
  caf::reacts_to<ack_atom, std::string, id_list>,
  /// (user_id, online): whether this node holds a connection of the user
  /// (cluster mode: other nodes show it in `who`). SQLite, one node, keeps
  /// no presence: ignored.
  caf::reacts_to<online_atom, std::string, bool>>;

/// Who hears the cluster bus (cluster mode: storage/pg_bus.hpp): the
/// directory, which hands each room event to the room if it runs on this
/// node, and each direct to its recipient's user actor if it is online here.
using bus_listener = caf::typed_actor<caf::reacts_to<stored_atom, room_event_ptr>,
                                      /// (to_user, delivery): another node's direct
                                      caf::reacts_to<direct_atom, std::string, delivery_ptr>,
                                      /// (user_id, cursors, direct ids): acks committed by another
                                      /// node, for the user's actor here to stop waiting for them
                                      caf::reacts_to<ack_atom, std::string, cursor_list, id_list>,
                                      /// (room, who, joined): a membership changed on another node
                                      caf::reacts_to<member_atom, std::string, identity, bool>,
                                      /// who is online on the other nodes
                                      caf::reacts_to<online_atom, presence_report_ptr>>;

/// Who hears of logouts on the cluster bus: the auth registry, which forgets
/// the token (by digest) and closes this node's sockets that use it.
using token_listener = caf::typed_actor<caf::reacts_to<revoked_atom, std::string>>;

} // namespace chat
