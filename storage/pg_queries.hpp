// The SQL side of the PostgreSQL store: the schema (created on first start,
// safely when several nodes start at once, and versioned), the statements it
// prepares on every connection, and the reads (pg_queries.cpp). Writes are
// built by storage/pg_batch. Same contract as the SQLite statements
// (storage/store_queries.hpp), same rows. Private to storage/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "protocol/messages.hpp"
#include "storage/pg_connection.hpp"

namespace chat {

/// The schema version this server writes; a database with a higher one is
/// refused (it was written by a newer chat-actors).
inline constexpr std::int64_t pg_schema_version = 1;

/// Creates missing tables under an advisory lock (two nodes starting at once
/// do not race on CREATE), checks schema_version, then prepares every
/// statement on this connection.
caf::error open_pg_schema(pg::connection& db);

/// Prepares every statement on a (new) connection.
caf::error prepare_pg_statements(pg::connection& db);

caf::expected<bool> pg_user_exists(pg::connection& db, const std::string& user_id);

caf::expected<user_list> pg_load_users(pg::connection& db);

caf::expected<token_list> pg_load_tokens(pg::connection& db, std::int64_t now);

caf::expected<std::optional<user_record>> pg_load_user(pg::connection& db, const std::string& name);

caf::expected<std::optional<token_grant>> pg_load_token(pg::connection& db,
                                                        const std::string& digest);

caf::expected<std::optional<room_record>> pg_load_room(pg::connection& db, const std::string& name);

caf::expected<history_page> pg_load_history(pg::connection& db, const std::string& room,
                                            std::int64_t page, std::int64_t page_size);

/// As load_rooms (store_queries.hpp): every room when `offer` < 0, else
/// the user's own and at most `offer` public rooms and `offer` channels.
caf::expected<room_list> pg_load_rooms(pg::connection& db, const std::string& user_id,
                                       std::int64_t offer);

caf::expected<message_list> pg_load_since(pg::connection& db, const std::string& room,
                                          std::int64_t after_seq, std::int64_t limit);

caf::expected<cursor_list> pg_load_cursors(pg::connection& db, const std::string& user_id);

caf::expected<replay_batch> pg_load_replay(pg::connection& db, const std::string& user_id,
                                           const cursor_list& cursors, std::int64_t backlog_max);

} // namespace chat
