// The PostgreSQL store's reads (storage/pg_queries.hpp).
#include "storage/pg_queries.hpp"

#include <utility>
#include <vector>

#include "protocol/chat_error.hpp"
#include "protocol/message_id.hpp"
#include "storage/stored_rows.hpp"

namespace chat {

namespace {

/// Runs a read; a failure becomes a `storage` error.
caf::expected<pg::result> read(pg::connection& db, const char* name, const pg::params& args) {
  auto res = db.run(name, args);
  if (!res.ok())
    return make_error(chat_errc::storage, std::string{name} + ": " + res.error());
  return res;
}

/// Rows of (id, seq, user_id, name, body, ts) as the room's messages.
std::vector<chat_message> messages_of(const pg::result& res, const std::string& room) {
  std::vector<chat_message> rows;
  rows.reserve(static_cast<std::size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i)
    rows.push_back(chat_message{room_message_id(res.int64(i, 0)), res.int64(i, 1), room,
                                res.text(i, 2), res.text(i, 3), res.text(i, 4), res.int64(i, 5)});
  return rows;
}

} // namespace

caf::expected<bool> pg_user_exists(pg::connection& db, const std::string& user_id) {
  auto res = read(db, "select_user", {user_id});
  if (!res)
    return std::move(res.error());
  return res->rows() > 0;
}

caf::expected<user_list> pg_load_users(pg::connection& db) {
  auto res = read(db, "select_users", {});
  if (!res)
    return std::move(res.error());
  user_list result;
  for (int i = 0; i < res->rows(); ++i)
    result.push_back(user_record{res->text(i, 0), res->text(i, 1), res->text(i, 2)});
  return result;
}

caf::expected<token_list> pg_load_tokens(pg::connection& db, std::int64_t now) {
  auto res = read(db, "select_tokens", {std::to_string(now)});
  if (!res)
    return std::move(res.error());
  token_list result;
  for (int i = 0; i < res->rows(); ++i)
    result.push_back(token_record{res->text(i, 0), res->text(i, 1), res->int64(i, 2)});
  return result;
}

caf::expected<std::optional<user_record>> pg_load_user(pg::connection& db,
                                                       const std::string& name) {
  auto res = read(db, "select_user_by_name", {name});
  if (!res)
    return std::move(res.error());
  if (res->rows() == 0)
    return std::optional<user_record>{};
  return std::optional<user_record>{user_record{res->text(0, 0), res->text(0, 1), res->text(0, 2)}};
}

caf::expected<std::optional<token_grant>> pg_load_token(pg::connection& db,
                                                        const std::string& digest) {
  auto res = read(db, "select_token", {digest});
  if (!res)
    return std::move(res.error());
  if (res->rows() == 0)
    return std::optional<token_grant>{};
  return std::optional<token_grant>{
    token_grant{identity{res->text(0, 0), res->text(0, 1)}, digest, res->int64(0, 2)}};
}

caf::expected<std::optional<room_record>> pg_load_room(pg::connection& db,
                                                       const std::string& name) {
  auto res = read(db, "select_room", {name});
  if (!res)
    return std::move(res.error());
  if (res->rows() == 0)
    return std::optional<room_record>{};
  room_record room;
  room.name = name;
  room.is_private = res->boolean(0, 0);
  room.key = res->text(0, 1);
  room.max_members = static_cast<std::uint32_t>(res->int64(0, 2));
  room.last_seq = res->int64(0, 3);
  auto members = read(db, "select_members", {name});
  if (!members)
    return std::move(members.error());
  for (int i = 0; i < members->rows(); ++i)
    room.members.push_back(member_record{members->text(i, 0), members->text(i, 1)});
  return std::optional<room_record>{std::move(room)};
}

caf::expected<history_page> pg_load_history(pg::connection& db, const std::string& room,
                                            std::int64_t page, std::int64_t page_size) {
  auto bounds = history_bounds(page, page_size);
  if (!bounds)
    return std::move(bounds.error());
  std::vector<chat_message> rows;
  if (*bounds) {
    auto res = read(db, "select_history",
                    {room, std::to_string((*bounds)->limit), std::to_string((*bounds)->offset)});
    if (!res)
      return std::move(res.error());
    rows = messages_of(*res, room);
  }
  return history_of(room, page, page_size, std::move(rows));
}

caf::expected<message_list> pg_load_since(pg::connection& db, const std::string& room,
                                          std::int64_t after_seq, std::int64_t limit) {
  if (limit < 1)
    return make_error(chat_errc::bad_request, "bad limit");
  auto res = read(db, "select_since", {room, std::to_string(after_seq), std::to_string(limit)});
  if (!res)
    return std::move(res.error());
  return messages_of(*res, room);
}

caf::expected<room_list> pg_load_rooms(pg::connection& db, const std::string& user_id,
                                       std::int64_t offer) {
  auto res = offer < 0 ? read(db, "select_rooms", {user_id})
                       : read(db, "select_room_offer", {user_id, std::to_string(offer)});
  if (!res)
    return std::move(res.error());
  room_list result;
  for (int i = 0; i < res->rows(); ++i)
    result.push_back(
      room_summary{res->text(i, 0), res->int64(i, 2), res->boolean(i, 1), res->boolean(i, 3)});
  return result;
}

caf::expected<cursor_list> pg_load_cursors(pg::connection& db, const std::string& user_id) {
  auto res = read(db, "select_cursors", {user_id});
  if (!res)
    return std::move(res.error());
  cursor_list result;
  for (int i = 0; i < res->rows(); ++i)
    result.push_back(room_cursor{res->text(i, 0), res->int64(i, 1), parse_seqs(res->text(i, 2))});
  return result;
}

caf::expected<replay_batch> pg_load_replay(pg::connection& db, const std::string& user_id,
                                           const cursor_list& cursors, std::int64_t backlog_max) {
  if (backlog_max <= 0)
    return make_error(chat_errc::bad_request, "bad backlog_max");
  replay_batch result;
  auto directs = read(db, "select_directs", {user_id});
  if (!directs)
    return std::move(directs.error());
  for (int i = 0; i < directs->rows(); ++i)
    result.directs.push_back(direct_message{direct_message_id(directs->int64(i, 0)), user_id,
                                            directs->text(i, 1), directs->text(i, 2),
                                            directs->text(i, 3), directs->int64(i, 4)});
  for (auto& cursor : cursors) {
    auto rows = read(db, "select_backlog",
                     {cursor.room, std::to_string(cursor.acked_seq),
                      std::to_string(backlog_limit(cursor, backlog_max))});
    if (!rows)
      return std::move(rows.error());
    if (auto backlog = backlog_of(cursor, backlog_max, messages_of(*rows, cursor.room)))
      result.rooms.push_back(std::move(*backlog));
  }
  return result;
}

} // namespace chat
