// The storage actor: the only owner of the SQLite connection. It runs
// detached (its own thread), so SQLite's blocking calls never occupy a CAF
// scheduler thread or an I/O thread.
//
// Writes run inside one open transaction; the transaction commits after
// `commit_window` or once `batch_max` writes are pending, whichever comes
// first (group commit). A write that finds the store quiet (no commit for
// five windows) does not wait: its batch commits once the writes already
// queued behind it have joined. Replies to writes are delivered only after that
// commit, so a reply means "durable". Reads run on the same connection and
// therefore see writes that are still waiting for their commit.
//
// Message interface (request -> reply):
//   (load_atom, users_atom)                         -> user_list
//   (load_atom, token_atom, int64 now_ms)           -> token_list (unexpired)
//   (create_atom, user_atom, user_record, room_record channel)
//        -> bool; stores the user, the channel room and the user's
//           membership in it, all in one batch. Name taken -> name_taken.
//   (create_atom, token_atom, token_record)         -> bool
//   (logout_atom, std::string token_hash)           -> bool
//   (load_atom, room_atom, std::string name)        -> std::optional<room_record>
//        (members with their names; last_seq = highest stored seq)
//   (create_atom, room_atom, room_record)           -> bool
//   (member_atom, std::string room, std::string user_id, bool joined)
//        -> no reply (fire and forget, committed with the next batch). A new
//           member's cursor starts at the room's highest stored seq (0 if
//           none): it is not owed what was said before it joined. Joining
//           again while a member keeps the cursor; leaving drops it, so a
//           rejoin starts from the highest seq again.
//   (append_atom, chat_message)                     -> chat_message, with
//        `seq` (the room's next; the one given is ignored) and `id` ("m" +
//        row id) filled in, once the batch holding it committed
//   (history_atom, std::string room, int64 page, int64 page_size)
//        -> history_page: page 0 = newest page_size messages, oldest first
//   (rooms_atom, std::string user_id)               -> room_list: public
//        rooms plus the private rooms the user belongs to, by name
//   (user_atom, rooms_atom, std::string user_id)    -> cursor_list: one
//        room_cursor per room the user belongs to, by room name
//
// At-least-once delivery. Room messages are stored once; each membership
// keeps a cursor of what its user acked: every seq <= acked_seq plus the
// seqs in acked_above (ascending, all > acked_seq). Direct messages are
// stored one row per recipient until the recipient acks them.
//   (cursor_atom, std::string user_id, std::string room, int64 acked_seq,
//    std::vector<int64> acked_above)
//        -> no reply (fire and forget, committed with the next batch).
//           Overwrites the member's cursor (acked_above is stored sorted,
//           without duplicates or seqs <= acked_seq); no-op for a non-member.
//   (append_atom, direct_message)                   -> direct_message, with
//        `id` filled in ("d" + row id) once the batch holding it committed.
//        A to_user that is not a stored user -> unknown_user, at once.
//   (ack_atom, std::string user_id, id_list direct_ids)
//        -> no reply (fire and forget, committed with the next batch).
//           Deletes the listed directs ("d<n>") addressed to user_id;
//           malformed ids and other users' directs are ignored.
//   (replay_atom, std::string user_id, cursor_list cursors, int64 backlog_max)
//        -> replay_batch, answered at once like every read: `directs` = the
//           user's directs in id order; `rooms` = one room_backlog per
//           cursor that is owed something (rooms owed nothing are omitted),
//           in the cursors' order, holding the room's messages with
//           seq > acked_seq and not in acked_above, in seq order, cut to the
//           newest backlog_max. truncated = more than backlog_max were owed;
//           from_seq = seq of the first message kept. backlog_max < 1 ->
//           bad_request.
//   (health_atom)                                   -> true, or error storage
//        with the last failure while the last write or commit failed (until a
//        batch with writes commits again). For GET /healthz.
// Failures reply with make_error(chat_errc::storage, text).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "common/defaults.hpp"
#include "protocol/atoms.hpp"
#include "protocol/messages.hpp"

namespace chat {

struct store_options {
  std::string path; // SQLite file; its folder is created if missing
  std::chrono::milliseconds commit_window{defaults::commit_window_ms};
  std::size_t batch_max = defaults::batch_max;
  bool synchronous_full = defaults::synchronous_full; // PRAGMA synchronous = FULL instead of NORMAL
};

/// Opens (and creates, if needed) the database, then spawns the storage actor
/// that owns it. Fails with a readable error if the file cannot be opened.
caf::expected<caf::actor> spawn_message_store(caf::actor_system& sys, const store_options& opts);

} // namespace chat
