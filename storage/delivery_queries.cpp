// The storage actor's statements for delivery (storage/delivery_queries.hpp).
#include "storage/delivery_queries.hpp"

#include <utility>

#include "protocol/chat_error.hpp"
#include "protocol/message_id.hpp"
#include "storage/stored_rows.hpp"

namespace chat {

namespace {

// The members table (with its cursor columns) is in store_schema.
constexpr const char* delivery_schema = R"sql(
CREATE TABLE IF NOT EXISTS directs(id INTEGER PRIMARY KEY AUTOINCREMENT,
  to_user TEXT NOT NULL, from_user TEXT NOT NULL, from_name TEXT NOT NULL,
  body TEXT NOT NULL, ts INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS directs_by_user ON directs(to_user, id);
)sql";

} // namespace

caf::error open_delivery(sqlite_db& sqlite, delivery_queries& q) {
  if (auto err = sqlite.exec(delivery_schema))
    return err;
  std::pair<statement*, const char*> all[] = {
    {&q.select_user, "SELECT 1 FROM users WHERE user_id = ?1"},
    {&q.insert_direct, "INSERT INTO directs(to_user, from_user, from_name,"
                       " body, ts) VALUES(?1, ?2, ?3, ?4, ?5)"},
    {&q.delete_direct, "DELETE FROM directs WHERE id = ?1 AND to_user = ?2"},
    {&q.select_directs, "SELECT id, from_user, from_name, body, ts"
                        " FROM directs WHERE to_user = ?1 ORDER BY id"},
    // Never back (as on PostgreSQL, where another node's actor may have
    // written a newer cursor): storage/pg_schema.cpp.
    {&q.update_cursor, "UPDATE members SET acked_seq = MAX(acked_seq, ?3),"
                       " acked_above = CASE WHEN ?3 >= acked_seq THEN ?4 ELSE acked_above END"
                       " WHERE room = ?1 AND user_id = ?2"},
    {&q.select_cursors, "SELECT room, acked_seq, acked_above FROM members"
                        " WHERE user_id = ?1 ORDER BY room"},
    // Newest first over UNIQUE(room, seq): reads only the rows it returns.
    {&q.select_backlog, "SELECT id, seq, user_id, name, body, ts FROM messages"
                        " WHERE room = ?1 AND seq > ?2 ORDER BY seq DESC"
                        " LIMIT ?3"},
  };
  for (auto& [st, sql] : all)
    if (auto err = st->prepare(sqlite, sql))
      return err;
  return caf::none;
}

caf::expected<bool> user_exists(delivery_queries& q, const std::string& user_id) {
  auto& st = q.select_user.bind(user_id);
  reset_guard guard{st};
  bool found = st.next();
  if (st.error())
    return st.error();
  return found;
}

caf::expected<direct_message> insert_direct(sqlite_db& sqlite, delivery_queries& q,
                                            direct_message msg) {
  if (auto err
      = q.insert_direct.bind(msg.to_user, msg.from_user, msg.from_name, msg.body, msg.ts).run())
    return err;
  msg.id = direct_message_id(sqlite.last_insert_rowid());
  return msg;
}

caf::error delete_directs(delivery_queries& q, const std::string& user_id, const id_list& ids) {
  for (auto& id : ids) {
    auto parsed = parse_message_id(id);
    if (parsed && parsed->kind == message_kind::direct)
      if (auto err = q.delete_direct.bind(parsed->row, user_id).run())
        return err;
  }
  return caf::none;
}

caf::error update_cursor(delivery_queries& q, const std::string& user_id, const std::string& room,
                         std::int64_t acked_seq, std::vector<std::int64_t> acked_above) {
  auto above = format_seqs(normalized(std::move(acked_above), acked_seq));
  return q.update_cursor.bind(room, user_id, acked_seq, above).run();
}

caf::expected<cursor_list> load_cursors(delivery_queries& q, const std::string& user_id) {
  auto& st = q.select_cursors.bind(user_id);
  reset_guard guard{st};
  cursor_list result;
  while (st.next())
    result.push_back(room_cursor{st.text_at(0), st.int64_at(1), parse_seqs(st.text_at(2))});
  if (st.error())
    return st.error();
  return result;
}

caf::expected<std::optional<room_backlog>>
load_backlog(delivery_queries& q, const room_cursor& cursor, std::int64_t backlog_max) {
  auto& st
    = q.select_backlog.bind(cursor.room, cursor.acked_seq, backlog_limit(cursor, backlog_max));
  reset_guard guard{st};
  std::vector<chat_message> rows;
  while (st.next())
    rows.push_back(chat_message{room_message_id(st.int64_at(0)), st.int64_at(1), cursor.room,
                                st.text_at(2), st.text_at(3), st.text_at(4), st.int64_at(5)});
  if (st.error())
    return st.error();
  return backlog_of(cursor, backlog_max, std::move(rows));
}

caf::expected<replay_batch> load_replay(delivery_queries& q, const std::string& user_id,
                                        const cursor_list& cursors, std::int64_t backlog_max) {
  if (backlog_max <= 0)
    return make_error(chat_errc::bad_request, "bad backlog_max");
  replay_batch result;
  {
    auto& st = q.select_directs.bind(user_id);
    reset_guard guard{st};
    while (st.next())
      result.directs.push_back(direct_message{direct_message_id(st.int64_at(0)), user_id,
                                              st.text_at(1), st.text_at(2), st.text_at(3),
                                              st.int64_at(4)});
    if (st.error())
      return st.error();
  }
  for (auto& cursor : cursors) {
    auto backlog = load_backlog(q, cursor, backlog_max);
    if (!backlog)
      return std::move(backlog.error());
    if (*backlog)
      result.rooms.push_back(std::move(**backlog));
  }
  return result;
}

} // namespace chat
