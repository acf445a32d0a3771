// The PostgreSQL store's schema and statements (storage/pg_queries.hpp).
#include <string>
#include <utility>

#include "protocol/chat_error.hpp"
#include "storage/pg_queries.hpp"

namespace chat {

namespace {

// room_seqs holds each room's counter (last_seq): a commit takes its
// messages' seqs from it while it holds the counter row's lock, so seqs have
// no gaps and commit order is seq order (docs/architecture.md). It is a table
// of its own because messages may be stored for a room that has no row in
// `rooms` (as on SQLite: the contract does not ask for one). `n` columns keep
// insertion order (users as registered, members as joined).
constexpr const char* schema = R"sql(
CREATE TABLE IF NOT EXISTS schema_version(version bigint NOT NULL);
CREATE TABLE IF NOT EXISTS users(n bigint GENERATED ALWAYS AS IDENTITY,
  user_id text PRIMARY KEY, name text UNIQUE NOT NULL,
  password_hash text NOT NULL, created_ms bigint);
CREATE TABLE IF NOT EXISTS tokens(token_hash text PRIMARY KEY,
  user_id text NOT NULL, expires_ms bigint NOT NULL);
CREATE TABLE IF NOT EXISTS rooms(name text PRIMARY KEY,
  is_private boolean NOT NULL, key text NOT NULL DEFAULT '',
  max_members bigint NOT NULL DEFAULT 0, created_ms bigint);
CREATE TABLE IF NOT EXISTS room_seqs(room text PRIMARY KEY,
  last_seq bigint NOT NULL);
CREATE TABLE IF NOT EXISTS members(n bigint GENERATED ALWAYS AS IDENTITY,
  room text NOT NULL, user_id text NOT NULL,
  acked_seq bigint NOT NULL DEFAULT 0, acked_above text NOT NULL DEFAULT '',
  PRIMARY KEY(room, user_id));
CREATE INDEX IF NOT EXISTS members_by_user ON members(user_id, room);
CREATE TABLE IF NOT EXISTS messages(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room text NOT NULL, seq bigint NOT NULL, user_id text, name text,
  body text, ts bigint, UNIQUE(room, seq));
CREATE TABLE IF NOT EXISTS directs(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  to_user text NOT NULL, from_user text NOT NULL, from_name text NOT NULL,
  body text NOT NULL, ts bigint NOT NULL);
CREATE INDEX IF NOT EXISTS directs_by_user ON directs(to_user, id);
CREATE TABLE IF NOT EXISTS nodes(node_id text PRIMARY KEY, seen_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS presence(node_id text NOT NULL, user_id text NOT NULL,
  PRIMARY KEY(node_id, user_id));
)sql";

// Any constant both nodes agree on: "chat" in ASCII.
constexpr const char* schema_lock = "SELECT pg_advisory_xact_lock(1667785076)";

// A room with its members: the members only if the room row was new, so a
// taken name stores nothing and the statement returns no row (the same for
// a user with its channel). Refusals are empty results, never errors: an
// error would abort the whole batch's transaction.
const std::pair<const char*, const char*> statements[] = {
  {"begin", "BEGIN"},
  {"commit", "COMMIT"},
  // The cluster bus (storage/pg_bus.hpp); the payload: storage/pg_notice.hpp.
  {"notify", "SELECT pg_notify('chat_events', $1)"},
  // The counters of the rooms a batch appends to are locked first, in name
  // order (byte order, the same on every node), so two nodes' batches cannot
  // deadlock. An upsert, because SELECT ... FOR UPDATE locks no missing row.
  {"lock_room", "INSERT INTO room_seqs VALUES($1, 0) ON CONFLICT (room)"
                " DO UPDATE SET last_seq = room_seqs.last_seq"},
  {"insert_user", "WITH u AS (INSERT INTO users(user_id, name, password_hash, created_ms)"
                  " VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING user_id),"
                  " r AS (INSERT INTO rooms(name, is_private, key, max_members, created_ms)"
                  " SELECT $5, $6, $7, $8, $4 FROM u ON CONFLICT DO NOTHING RETURNING name),"
                  " m AS (INSERT INTO members(room, user_id) SELECT r.name, x.id"
                  " FROM r, unnest($9::text[]) AS x(id))"
                  " SELECT 1 FROM u"},
  {"insert_room", "WITH r AS (INSERT INTO rooms(name, is_private, key, max_members, created_ms)"
                  " VALUES($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING name),"
                  " m AS (INSERT INTO members(room, user_id) SELECT r.name, x.id"
                  " FROM r, unnest($6::text[]) AS x(id))"
                  " SELECT 1 FROM r"},
  {"insert_token", "INSERT INTO tokens VALUES($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1"},
  {"delete_token", "DELETE FROM tokens WHERE token_hash = $1 RETURNING 1"},
  // A new member's cursor starts at the room's newest message; an existing
  // member keeps its own.
  // A row back only for a change: the other nodes hear of it (with the
  // member's name, for their presence frames).
  {"insert_member", "INSERT INTO members(room, user_id, acked_seq) VALUES($1, $2,"
                    " COALESCE((SELECT last_seq FROM room_seqs WHERE room = $1), 0))"
                    " ON CONFLICT DO NOTHING"
                    " RETURNING COALESCE((SELECT name FROM users WHERE user_id = $2), '')"},
  {"delete_member", "DELETE FROM members WHERE room = $1 AND user_id = $2"
                    " RETURNING COALESCE((SELECT name FROM users WHERE user_id = $2), '')"},
  // The room's counter (locked by lock_room) and the row in one statement.
  {"insert_message",
   "WITH c AS (UPDATE room_seqs SET last_seq = last_seq + 1 WHERE room = $1 RETURNING last_seq)"
   " INSERT INTO messages(room, seq, user_id, name, body, ts)"
   " SELECT $1, c.last_seq, $2, $3, $4, $5 FROM c RETURNING id, seq"},
  {"insert_direct", "INSERT INTO directs(to_user, from_user, from_name, body, ts)"
                    " SELECT $1, $2, $3, $4, $5 WHERE EXISTS"
                    " (SELECT 1 FROM users WHERE user_id = $1) RETURNING id"},
  {"delete_directs", "DELETE FROM directs WHERE to_user = $1 AND id = ANY($2::bigint[])"},
  // A cursor never moves back: the user's actor on another node may have
  // written a newer one (a move forward from an older base keeps the
  // newer acked_above only if its acked_seq is not behind).
  {"update_cursor", "UPDATE members SET acked_seq = GREATEST(acked_seq, $3),"
                    " acked_above = CASE WHEN $3 >= acked_seq THEN $4 ELSE acked_above END"
                    " WHERE room = $1 AND user_id = $2"},
  // An ack frame's cursors (as update_cursor, from arrays) and directs.
  {"ack", "WITH c AS (UPDATE members m SET acked_seq = GREATEST(m.acked_seq, x.seq),"
          " acked_above = CASE WHEN x.seq >= m.acked_seq THEN x.above ELSE m.acked_above END"
          " FROM unnest($2::text[], $3::bigint[], $4::text[]) AS x(room, seq, above)"
          " WHERE m.user_id = $1 AND m.room = x.room RETURNING 1),"
          " d AS (DELETE FROM directs WHERE to_user = $1 AND id = ANY($5::bigint[]) RETURNING 1)"
          " SELECT (SELECT count(*) FROM c), (SELECT count(*) FROM d)"},
  // Who is online where (cluster mode); a node's rows count only while its
  // heartbeat (storage/pg_bus.cpp) is fresh.
  {"insert_presence", "INSERT INTO presence VALUES($1, $2) ON CONFLICT DO NOTHING"},
  {"delete_presence", "DELETE FROM presence WHERE node_id = $1 AND user_id = $2"},
  {"clear_presence", "DELETE FROM presence WHERE node_id = $1"},
  // -- reads ---------------------------------------------------------------------
  {"select_user", "SELECT 1 FROM users WHERE user_id = $1"},
  {"select_users", "SELECT user_id, name, password_hash FROM users ORDER BY n"},
  {"select_user_by_name", "SELECT user_id, name, password_hash FROM users WHERE name = $1"},
  {"select_token", "SELECT t.user_id, u.name, t.expires_ms FROM tokens t"
                   " JOIN users u ON u.user_id = t.user_id WHERE t.token_hash = $1"},
  {"select_tokens", "SELECT token_hash, user_id, expires_ms FROM tokens WHERE expires_ms > $1"},
  {"select_room", "SELECT is_private, key, max_members,"
                  " COALESCE((SELECT last_seq FROM room_seqs WHERE room = $1), 0)"
                  " FROM rooms WHERE name = $1"},
  {"select_members", "SELECT m.user_id, COALESCE(u.name, '') FROM members m"
                     " LEFT JOIN users u ON u.user_id = m.user_id WHERE m.room = $1 ORDER BY m.n"},
  {"select_history", "SELECT id, seq, user_id, name, body, ts FROM messages"
                     " WHERE room = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3"},
  {"select_since", "SELECT id, seq, user_id, name, body, ts FROM messages"
                   " WHERE room = $1 AND seq > $2 ORDER BY seq LIMIT $3"},
  // Names in byte order (COLLATE "C"), as SQLite sorts them.
  {"select_rooms",
   "SELECT r.name, r.is_private, (SELECT count(*) FROM members m WHERE m.room = r.name),"
   " EXISTS (SELECT 1 FROM members m WHERE m.room = r.name AND m.user_id = $1)"
   " FROM rooms r WHERE NOT r.is_private OR EXISTS"
   " (SELECT 1 FROM members m WHERE m.room = r.name AND m.user_id = $1)"
   " ORDER BY r.name COLLATE \"C\""},
  // As SQLite's (store_schema.cpp): the user's rooms, then the first $2
  // public rooms and $2 channels it is not in, members counted only for
  // the rooms listed.
  {"select_room_offer",
   "SELECT o.name, o.is_private, (SELECT count(*) FROM members m WHERE m.room = o.name),"
   " o.mine FROM ("
   " SELECT r.name, r.is_private, true AS mine FROM members my"
   " JOIN rooms r ON r.name = my.room WHERE my.user_id = $1"
   " UNION ALL (SELECT name, is_private, false FROM rooms r WHERE NOT is_private"
   " AND left(name, 1) <> '@' AND NOT EXISTS (SELECT 1 FROM members m"
   " WHERE m.room = r.name AND m.user_id = $1) ORDER BY name COLLATE \"C\" LIMIT $2)"
   " UNION ALL (SELECT name, is_private, false FROM rooms r WHERE NOT is_private"
   " AND left(name, 1) = '@' AND NOT EXISTS (SELECT 1 FROM members m"
   " WHERE m.room = r.name AND m.user_id = $1) ORDER BY name COLLATE \"C\" LIMIT $2)"
   ") o ORDER BY o.name COLLATE \"C\""},
  {"select_cursors", "SELECT room, acked_seq, acked_above FROM members"
                     " WHERE user_id = $1 ORDER BY room COLLATE \"C\""},
  {"select_directs", "SELECT id, from_user, from_name, body, ts FROM directs"
                     " WHERE to_user = $1 ORDER BY id"},
  {"select_backlog", "SELECT id, seq, user_id, name, body, ts FROM messages"
                     " WHERE room = $1 AND seq > $2 ORDER BY seq DESC LIMIT $3"},
};

} // namespace

caf::error open_pg_schema(pg::connection& db) {
  if (auto err = db.exec(std::string{"BEGIN; "} + schema_lock + ";" + schema))
    return err;
  auto version = db.query("SELECT max(version) FROM schema_version");
  if (!version.ok()) {
    db.rollback_if_open();
    return make_error(chat_errc::storage, version.error());
  }
  auto found = version.text(0, 0);
  if (found.empty()) {
    if (auto err
        = db.exec("INSERT INTO schema_version VALUES(" + std::to_string(pg_schema_version) + ")")) {
      db.rollback_if_open();
      return err;
    }
  } else if (version.int64(0, 0) > pg_schema_version) {
    db.rollback_if_open();
    return make_error(chat_errc::storage,
                      "the database's schema version " + found + " is newer than this server's ("
                        + std::to_string(pg_schema_version) + "): run a chat-actors that knows it");
  }
  if (auto err = db.exec("COMMIT"))
    return err;
  return prepare_pg_statements(db);
}

caf::error prepare_pg_statements(pg::connection& db) {
  for (auto& [name, sql] : statements)
    if (auto err = db.prepare(name, sql))
      return err;
  return caf::none;
}

} // namespace chat
