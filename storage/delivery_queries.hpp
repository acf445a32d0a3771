// The SQL side of at-least-once delivery: directs (one row per recipient
// until acked), members' room cursors and the replay read
// (delivery_queries.cpp). store_queries.hpp owns the connection; the
// functions run statements and nothing else. Private to storage/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "protocol/messages.hpp"
#include "storage/sqlite_db.hpp"

namespace chat {

/// The delivery statements, prepared once when the store opens.
struct delivery_queries {
  statement select_user, insert_direct, delete_direct, select_directs;
  statement update_cursor, select_cursors, select_backlog;
};

/// Creates the directs table if missing and prepares the statements (the
/// members and messages tables must exist already).
caf::error open_delivery(sqlite_db& sqlite, delivery_queries& q);

// -- writes ----------------------------------------------------------------------

caf::expected<bool> user_exists(delivery_queries& q, const std::string& user_id);

/// The message with its id ("d" + row id) filled in. The caller checks the
/// recipient first (user_exists).
caf::expected<direct_message> insert_direct(sqlite_db& sqlite, delivery_queries& q,
                                            direct_message msg);

/// Deletes the listed directs addressed to `user_id`; malformed ids and ids
/// of other users' directs are ignored.
caf::error delete_directs(delivery_queries& q, const std::string& user_id, const id_list& ids);

/// Stores a member's cursor (nothing happens if it is not a member).
caf::error update_cursor(delivery_queries& q, const std::string& user_id, const std::string& room,
                         std::int64_t acked_seq, std::vector<std::int64_t> acked_above);

// -- reads -------------------------------------------------------------------------

caf::expected<cursor_list> load_cursors(delivery_queries& q, const std::string& user_id);

/// What the room owes past `cursor`: the newest `backlog_max` unacked
/// messages in seq order, or nothing if none is owed.
caf::expected<std::optional<room_backlog>>
load_backlog(delivery_queries& q, const room_cursor& cursor, std::int64_t backlog_max);

/// Everything unacked for `user_id`: its directs in id order, then one
/// backlog per cursor that is owed something, in the cursors' order.
caf::expected<replay_batch> load_replay(delivery_queries& q, const std::string& user_id,
                                        const cursor_list& cursors, std::int64_t backlog_max);

} // namespace chat
