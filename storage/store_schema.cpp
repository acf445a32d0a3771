// Opens the store: the schema, and every statement prepared once
// (storage/store_queries.hpp).
#include "storage/store_queries.hpp"

#include <string>
#include <utility>

#include "protocol/chat_error.hpp"

namespace chat {

namespace {

// `messages` takes plain rowids: no row is ever deleted, so the next id is
// always one past the newest and an id is never handed out twice. (Its
// AUTOINCREMENT, until 2026-12, only rewrote sqlite_sequence on every
// INSERT: 4-7% of a durable send's CPU, bench/profile.md. Files created
// before keep it; both layouts give the same ids.) `directs` keeps
// AUTOINCREMENT: acked directs are deleted, and a reused d-id could be
// mistaken by a client for one it already has.
constexpr const char* store_schema = R"sql(
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
CREATE TABLE IF NOT EXISTS messages(id INTEGER PRIMARY KEY,
  room TEXT NOT NULL, seq INTEGER NOT NULL, user_id TEXT, name TEXT,
  body TEXT, ts INTEGER, UNIQUE(room, seq));
)sql";

// The schema's version, kept in the file's PRAGMA user_version. 0 is a new
// file or one from before the version was kept (the same tables): it gets
// this server's. A newer one is refused: its tables may mean something this
// server does not know. A future change to the tables bumps this and
// migrates older files here, in open_store.
constexpr std::int64_t sqlite_schema_version = 1;

caf::error check_schema_version(sqlite_db& db) {
  statement version;
  if (auto err = version.prepare(db, "PRAGMA user_version"))
    return err;
  version.bind();
  if (!version.next())
    return version.error();
  auto found = version.int64_at(0);
  version.reset();
  if (found > sqlite_schema_version)
    return make_error(chat_errc::storage, "the database's schema version " + std::to_string(found)
                                            + " is newer than this server's ("
                                            + std::to_string(sqlite_schema_version)
                                            + "): run a chat-actors that knows it");
  if (found < sqlite_schema_version)
    return db.exec(("PRAGMA user_version = " + std::to_string(sqlite_schema_version)).c_str());
  return caf::none;
}

} // namespace

void forget_seqs(store_db& db) {
  db.last_seqs.clear();
}

/// Opens the file, creates missing tables and prepares every statement.
caf::error open_store(store_db& db, const std::string& path, bool synchronous_full) {
  if (auto err = db.sqlite.open(path, synchronous_full))
    return err;
  if (auto err = check_schema_version(db.sqlite))
    return err;
  if (auto err = db.sqlite.exec(store_schema))
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
    {&q.select_user_by_name, "SELECT user_id, name, password_hash FROM users WHERE name = ?1"},
    {&q.select_token, "SELECT t.user_id, u.name, t.expires_ms FROM tokens t"
                      " JOIN users u ON u.user_id = t.user_id WHERE t.token_hash = ?1"},
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
    {&q.select_since, "SELECT id, seq, user_id, name, body, ts FROM messages"
                      " WHERE room = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"},
    // The user's rooms and the first ?2 public rooms and ?2 channels it is
    // not in, each kind read from its own range of the name index ("@"
    // sorts after the digits, '-' and '.' and before the letters and '_',
    // so channels are the names in ['@', 'A')): members are counted for
    // the rooms listed, not for every room there is.
    {&q.select_room_offer,
     "SELECT o.name, o.is_private, (SELECT COUNT(*) FROM members m WHERE m.room = o.name),"
     " o.mine FROM ("
     " SELECT r.name AS name, r.is_private AS is_private, 1 AS mine FROM members my"
     " JOIN rooms r ON r.name = my.room WHERE my.user_id = ?1"
     " UNION ALL SELECT * FROM ("
     " SELECT * FROM (SELECT name, is_private, 0 FROM rooms r WHERE name < '@'"
     " AND is_private = 0 AND NOT EXISTS (SELECT 1 FROM members m"
     " WHERE m.room = r.name AND m.user_id = ?1) ORDER BY name LIMIT ?2)"
     " UNION ALL SELECT * FROM (SELECT name, is_private, 0 FROM rooms r WHERE name >= 'A'"
     " AND is_private = 0 AND NOT EXISTS (SELECT 1 FROM members m"
     " WHERE m.room = r.name AND m.user_id = ?1) ORDER BY name LIMIT ?2)"
     " ORDER BY 1 LIMIT ?2)"
     " UNION ALL SELECT * FROM (SELECT name, is_private, 0 FROM rooms r"
     " WHERE name >= '@' AND name < 'A' AND is_private = 0 AND NOT EXISTS"
     " (SELECT 1 FROM members m WHERE m.room = r.name AND m.user_id = ?1)"
     " ORDER BY name LIMIT ?2)"
     ") o ORDER BY o.name"},
    {&q.select_rooms, "SELECT r.name, r.is_private, (SELECT COUNT(*) FROM members m"
                      " WHERE m.room = r.name), EXISTS (SELECT 1 FROM members m"
                      " WHERE m.room = r.name AND m.user_id = ?1) AS mine"
                      " FROM rooms r WHERE r.is_private = 0 OR mine ORDER BY r.name"},
  };
  for (auto& [st, sql] : all)
    if (auto err = st->prepare(db.sqlite, sql))
      return err;
  return open_delivery(db.sqlite, db.d);
}

} // namespace chat
