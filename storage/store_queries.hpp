// The SQL side of the storage actor: the connection with its prepared
// statements (opened by store_schema.cpp) and one function per request on
// accounts, rooms and messages (store_queries.cpp). The functions run
// statements and nothing else: transactions and replies are the actor's.
// Directs, cursors and replay are in delivery_queries.hpp. Private to
// storage/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include <caf/expected.hpp>

#include "protocol/messages.hpp"
#include "storage/delivery_queries.hpp"
#include "storage/sqlite_db.hpp"

namespace chat {

/// Every statement the store runs, prepared once when the store opens.
struct store_queries {
  statement begin, commit, rollback;
  statement savepoint, release, rollback_to;
  statement insert_user, insert_token, delete_token;
  statement insert_room, insert_member, delete_member, insert_message, select_last_seq;
  statement select_users, select_tokens, select_room, select_members;
  statement select_user_by_name, select_token;
  statement select_history, select_since, select_rooms, select_room_offer;
};

/// The connection and its statements (declared in this order so the
/// statements are finalized before the connection closes).
struct store_db {
  sqlite_db sqlite;
  store_queries q;
  delivery_queries d;
  // The highest stored seq of each room written in the open transaction,
  // its own rows included; cleared as the batch ends (forget_seqs), so it
  // never outlives a rollback and holds only the rooms of one batch.
  std::unordered_map<std::string, std::int64_t> last_seqs;
};

/// At the end of a batch: the next message of every room reads its seq afresh.
void forget_seqs(store_db& db);

/// Opens the file, creates missing tables and prepares every statement.
caf::error open_store(store_db& db, const std::string& path, bool synchronous_full);

// -- writes --------------------------------------------------------------------

/// The user, its channel room and its membership in that room, or nothing.
caf::expected<bool> insert_user(store_db& db, const user_record& user, const room_record& channel);

caf::expected<bool> insert_token(store_db& db, const token_record& t);

/// True if the token existed.
caf::expected<bool> delete_token(store_db& db, const std::string& hash);

/// The room and the members listed in it (`last_seq` is not stored: it is
/// derived from the messages).
caf::expected<bool> insert_room(store_db& db, const room_record& room);

/// The message with its seq and id ("m" + row id) filled in; the `seq` it
/// came with is ignored. The seq is the room's next among the rows stored,
/// so a message that fails to store, or rolls back, leaves no gap for
/// cursors to wait on.
caf::expected<chat_message> insert_message(store_db& db, chat_message msg);

caf::error update_member(store_db& db, const std::string& room, const std::string& user_id,
                         bool joined);

// -- reads ---------------------------------------------------------------------

caf::expected<user_list> load_users(store_db& db);

caf::expected<token_list> load_tokens(store_db& db, std::int64_t now);

caf::expected<std::optional<user_record>> load_user(store_db& db, const std::string& name);

caf::expected<std::optional<token_grant>> load_token(store_db& db, const std::string& digest);

caf::expected<std::optional<room_record>> load_room(store_db& db, const std::string& name);

caf::expected<history_page> load_history(store_db& db, const std::string& room, std::int64_t page,
                                         std::int64_t page_size);

/// The rooms `user_id` may see, by name (storage_api.hpp: rooms_atom):
/// every one when `offer` < 0, else the user's own and at most `offer`
/// public rooms and `offer` channels it is not in.
caf::expected<room_list> load_rooms(store_db& db, const std::string& user_id, std::int64_t offer);

/// The room's messages after `after_seq`, in seq order, at most `limit`.
caf::expected<message_list> load_since(store_db& db, const std::string& room,
                                       std::int64_t after_seq, std::int64_t limit);

} // namespace chat
