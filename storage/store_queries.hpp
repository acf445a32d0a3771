// The SQL side of the storage actor: schema, prepared statements and one
// function per request. Included only by storage/message_store.cpp (header
// only, so the storage library's source list stays as it is). The functions
// run statements and nothing else: transactions and replies are the actor's.
// Direct messages, cursors and replay are in delivery_queries.hpp.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>

#include <caf/expected.hpp>
#include <sqlite3.h>

#include "common/clock.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/message_id.hpp"
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
  statement select_history, select_rooms;
};

/// The connection and its statements (declared in this order so the
/// statements are finalized before the connection closes).
struct store_db {
  sqlite_db conn;
  store_queries q;
  delivery_queries d;
  // The highest stored seq of each room written in the open transaction,
  // its own rows included; cleared as the batch ends (forget_seqs), so it
  // never outlives a rollback and holds only the rooms of one batch.
  std::unordered_map<std::string, std::int64_t> last_seqs;
};

/// At the end of a batch: the next message of every room reads its seq afresh.
inline void forget_seqs(store_db& db) {
  db.last_seqs.clear();
}

inline constexpr const char* store_schema = R"sql(
CREATE TABLE IF NOT EXISTS users(user_id TEXT PRIMARY KEY,
  name TEXT UNIQUE NOT NULL, password_hash TEXT NOT NULL, created_ms INTEGER);
CREATE TABLE IF NOT EXISTS tokens(token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rooms(name TEXT PRIMARY KEY, is_private INTEGER,
  key TEXT, max_members INTEGER, created_ms INTEGER);
CREATE TABLE IF NOT EXISTS members(room TEXT, user_id TEXT,
  acked_seq INTEGER NOT NULL DEFAULT 0, acked_above TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(room, user_id));
CREATE INDEX IF NOT EXISTS members_by_user ON members(user_id, room);
CREATE TABLE IF NOT EXISTS messages(id INTEGER PRIMARY KEY AUTOINCREMENT,
  room TEXT NOT NULL, seq INTEGER NOT NULL, user_id TEXT, name TEXT,
  body TEXT, ts INTEGER, UNIQUE(room, seq));
)sql";

/// Opens the file, creates missing tables and prepares every statement.
inline caf::error open_store(store_db& db, const std::string& path, bool synchronous_full) {
  if (auto err = db.conn.open(path, synchronous_full))
    return err;
  if (auto err = db.conn.exec(store_schema))
    return err;
  auto& q = db.q;
  std::pair<statement*, const char*> all[] = {
    {&q.begin, "BEGIN"},
    {&q.commit, "COMMIT"},
    {&q.rollback, "ROLLBACK"},
    {&q.savepoint, "SAVEPOINT request"},
    {&q.release, "RELEASE request"},
    {&q.rollback_to, "ROLLBACK TO request"},
    {&q.insert_user, "INSERT INTO users VALUES(?1, ?2, ?3, ?4)"},
    {&q.insert_token, "INSERT INTO tokens VALUES(?1, ?2, ?3)"},
    {&q.delete_token, "DELETE FROM tokens WHERE token_hash = ?1"},
    {&q.insert_room, "INSERT INTO rooms VALUES(?1, ?2, ?3, ?4, ?5)"},
    // A new member's cursor starts at the room's newest message: it is not
    // owed what was said before it joined. An existing member keeps its own.
    {&q.insert_member, "INSERT OR IGNORE INTO members(room, user_id, acked_seq)"
                       " VALUES(?1, ?2, COALESCE((SELECT seq FROM messages"
                       " WHERE room = ?1 ORDER BY seq DESC LIMIT 1), 0))"},
    {&q.delete_member, "DELETE FROM members WHERE room = ?1 AND user_id = ?2"},
    {&q.insert_message, "INSERT INTO messages(room, seq, user_id, name, body,"
                        " ts) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
    {&q.select_last_seq, "SELECT COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1"},
    {&q.select_users, "SELECT user_id, name, password_hash FROM users ORDER BY rowid"},
    {&q.select_tokens, "SELECT token_hash, user_id, expires_ms FROM tokens"
                       " WHERE expires_ms > ?1"},
    {&q.select_room, "SELECT is_private, key, max_members, (SELECT"
                     " COALESCE(MAX(seq), 0) FROM messages WHERE room = ?1)"
                     " FROM rooms WHERE name = ?1"},
    // rowid order = join order.
    {&q.select_members, "SELECT m.user_id, COALESCE(u.name, '') FROM members m"
                        " LEFT JOIN users u ON u.user_id = m.user_id"
                        " WHERE m.room = ?1 ORDER BY m.rowid"},
    // One row more than a page: its presence means older messages exist.
    {&q.select_history, "SELECT id, seq, user_id, name, body, ts FROM messages"
                        " WHERE room = ?1 ORDER BY seq DESC LIMIT ?2 OFFSET ?3"},
    {&q.select_rooms, "SELECT r.name, r.is_private, (SELECT COUNT(*) FROM members m"
                      " WHERE m.room = r.name), EXISTS (SELECT 1 FROM members m"
                      " WHERE m.room = r.name AND m.user_id = ?1) AS mine"
                      " FROM rooms r WHERE r.is_private = 0 OR mine ORDER BY r.name"},
  };
  for (auto& [st, sql] : all)
    if (auto err = st->prepare(db.conn, sql))
      return err;
  return open_delivery(db.conn, db.d);
}

// -- writes --------------------------------------------------------------------

/// Runs `fn` inside a savepoint, so a request made of several statements
/// leaves nothing behind when one of them fails.
template <class Fn>
caf::error in_savepoint(store_queries& q, Fn fn) {
  if (auto err = q.savepoint.bind().run())
    return err;
  auto err = fn();
  if (err)
    q.rollback_to.bind().run();
  q.release.bind().run();
  return err;
}

inline caf::error insert_members(store_queries& q, const room_record& room) {
  for (auto& member : room.members)
    if (auto err = q.insert_member.bind(room.name, member.user_id).run())
      return err;
  return caf::none;
}

inline caf::error insert_room_row(store_queries& q, const room_record& room) {
  auto& st = q.insert_room;
  std::int64_t max_members = room.max_members;
  std::int64_t is_private = room.is_private ? 1 : 0;
  if (auto err = st.bind(room.name, is_private, room.key, max_members, unix_ms()).run()) {
    if (st.extended_code() == SQLITE_CONSTRAINT_PRIMARYKEY)
      return make_error(chat_errc::name_taken, "room exists: " + room.name);
    return err;
  }
  return insert_members(q, room);
}

/// The user, its channel room and its membership in that room, or nothing.
inline caf::expected<bool> insert_user(store_db& db, const user_record& user,
                                       const room_record& channel) {
  auto& q = db.q;
  auto failed = in_savepoint(q, [&]() -> caf::error {
    auto& st = q.insert_user;
    if (auto err = st.bind(user.user_id, user.name, user.password_hash, unix_ms()).run()) {
      if (st.extended_code() == SQLITE_CONSTRAINT_UNIQUE)
        return make_error(chat_errc::name_taken, "name taken: " + user.name);
      return err;
    }
    if (auto err = insert_room_row(q, channel))
      return err;
    return q.insert_member.bind(channel.name, user.user_id).run();
  });
  if (failed)
    return failed;
  return true;
}

inline caf::expected<bool> insert_token(store_db& db, const token_record& t) {
  if (auto err = db.q.insert_token.bind(t.token_hash, t.user_id, t.expires_at_ms).run())
    return err;
  return true;
}

/// True if the token existed.
inline caf::expected<bool> delete_token(store_db& db, const std::string& hash) {
  if (auto err = db.q.delete_token.bind(hash).run())
    return err;
  return db.conn.changes() > 0;
}

/// The room and the members listed in it (`last_seq` is not stored: it is
/// derived from the messages).
inline caf::expected<bool> insert_room(store_db& db, const room_record& room) {
  if (auto err = in_savepoint(db.q, [&] { return insert_room_row(db.q, room); }))
    return err;
  return true;
}

/// The message with its seq and id ("m" + row id) filled in; the `seq` it
/// came with is ignored. The seq is the room's next among the rows stored,
/// so a message that fails to store, or rolls back, leaves no gap for
/// cursors to wait on.
inline caf::expected<chat_message> insert_message(store_db& db, chat_message msg) {
  auto last = db.last_seqs.find(msg.room);
  if (last == db.last_seqs.end()) {
    auto& st = db.q.select_last_seq.bind(msg.room);
    reset_guard guard{st};
    auto found = st.next();
    if (st.error())
      return st.error();
    last = db.last_seqs.emplace(msg.room, found ? st.int64_at(0) : 0).first;
  }
  msg.seq = last->second + 1;
  if (auto err
      = db.q.insert_message.bind(msg.room, msg.seq, msg.user_id, msg.name, msg.body, msg.ts).run())
    return err;
  last->second = msg.seq;
  msg.id = room_message_id(db.conn.last_insert_rowid());
  return msg;
}

inline caf::error update_member(store_db& db, const std::string& room, const std::string& user_id,
                                bool joined) {
  auto& st = joined ? db.q.insert_member : db.q.delete_member;
  return st.bind(room, user_id).run();
}

// -- reads ---------------------------------------------------------------------

inline caf::expected<user_list> load_users(store_db& db) {
  auto& st = db.q.select_users.bind();
  reset_guard guard{st};
  user_list result;
  while (st.next())
    result.push_back(user_record{st.text_at(0), st.text_at(1), st.text_at(2)});
  if (st.error())
    return st.error();
  return result;
}

inline caf::expected<token_list> load_tokens(store_db& db, std::int64_t now) {
  auto& st = db.q.select_tokens.bind(now);
  reset_guard guard{st};
  token_list result;
  while (st.next())
    result.push_back(token_record{st.text_at(0), st.text_at(1), st.int64_at(2)});
  if (st.error())
    return st.error();
  return result;
}

inline caf::expected<std::optional<room_record>> load_room(store_db& db, const std::string& name) {
  room_record room;
  room.name = name;
  {
    auto& st = db.q.select_room.bind(name);
    reset_guard guard{st};
    if (!st.next()) {
      if (st.error())
        return st.error();
      return std::optional<room_record>{};
    }
    room.is_private = st.int64_at(0) != 0;
    room.key = st.text_at(1);
    room.max_members = static_cast<std::uint32_t>(st.int64_at(2));
    room.last_seq = st.int64_at(3);
  }
  auto& st = db.q.select_members.bind(name);
  reset_guard guard{st};
  while (st.next())
    room.members.push_back(member_record{st.text_at(0), st.text_at(1)});
  if (st.error())
    return st.error();
  return std::optional<room_record>{std::move(room)};
}

inline caf::expected<history_page> load_history(store_db& db, const std::string& room,
                                                std::int64_t page, std::int64_t page_size) {
  if (page < 0 || page_size <= 0)
    return make_error(chat_errc::bad_request, "bad history page or size");
  history_page result;
  result.room = room;
  result.page = page;
  // A page beyond what int64 can address is simply empty.
  if (page > std::numeric_limits<std::int64_t>::max() / page_size - 1)
    return result;
  auto& st = db.q.select_history.bind(room, page_size + 1, page * page_size);
  reset_guard guard{st};
  while (st.next())
    result.messages.push_back(chat_message{room_message_id(st.int64_at(0)), st.int64_at(1), room,
                                           st.text_at(2), st.text_at(3), st.text_at(4),
                                           st.int64_at(5)});
  if (st.error())
    return st.error();
  if (static_cast<std::int64_t>(result.messages.size()) > page_size) {
    result.has_more = true;
    result.messages.pop_back();
  }
  std::reverse(result.messages.begin(), result.messages.end());
  return result;
}

inline caf::expected<room_list> load_rooms(store_db& db, const std::string& user_id) {
  auto& st = db.q.select_rooms.bind(user_id);
  reset_guard guard{st};
  room_list result;
  while (st.next())
    result.push_back(
      room_summary{st.text_at(0), st.int64_at(2), st.int64_at(1) != 0, st.int64_at(3) != 0});
  if (st.error())
    return st.error();
  return result;
}

} // namespace chat
