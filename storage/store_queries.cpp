// The storage actor's statements on accounts, rooms and messages
// (storage/store_queries.hpp).
#include "storage/store_queries.hpp"

#include <utility>
#include <vector>

#include <sqlite3.h>

#include "common/clock.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/message_id.hpp"
#include "storage/stored_rows.hpp"

namespace chat {

namespace {

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

caf::error insert_members(store_queries& q, const room_record& room) {
  for (auto& member : room.members)
    if (auto err = q.insert_member.bind(room.name, member.user_id).run())
      return err;
  return caf::none;
}

caf::error insert_room_row(store_queries& q, const room_record& room) {
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

} // namespace

caf::expected<bool> insert_user(store_db& db, const user_record& user, const room_record& channel) {
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

caf::expected<bool> insert_token(store_db& db, const token_record& t) {
  if (auto err = db.q.insert_token.bind(t.token_hash, t.user_id, t.expires_at_ms).run())
    return err;
  return true;
}

caf::expected<bool> delete_token(store_db& db, const std::string& hash) {
  if (auto err = db.q.delete_token.bind(hash).run())
    return err;
  return db.sqlite.changes() > 0;
}

caf::expected<bool> insert_room(store_db& db, const room_record& room) {
  if (auto err = in_savepoint(db.q, [&] { return insert_room_row(db.q, room); }))
    return err;
  return true;
}

caf::expected<chat_message> insert_message(store_db& db, chat_message msg) {
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
  msg.id = room_message_id(db.sqlite.last_insert_rowid());
  return msg;
}

caf::error update_member(store_db& db, const std::string& room, const std::string& user_id,
                         bool joined) {
  auto& st = joined ? db.q.insert_member : db.q.delete_member;
  return st.bind(room, user_id).run();
}

caf::expected<user_list> load_users(store_db& db) {
  auto& st = db.q.select_users.bind();
  reset_guard guard{st};
  user_list result;
  while (st.next())
    result.push_back(user_record{st.text_at(0), st.text_at(1), st.text_at(2)});
  if (st.error())
    return st.error();
  return result;
}

caf::expected<token_list> load_tokens(store_db& db, std::int64_t now) {
  auto& st = db.q.select_tokens.bind(now);
  reset_guard guard{st};
  token_list result;
  while (st.next())
    result.push_back(token_record{st.text_at(0), st.text_at(1), st.int64_at(2)});
  if (st.error())
    return st.error();
  return result;
}

caf::expected<std::optional<user_record>> load_user(store_db& db, const std::string& name) {
  auto& st = db.q.select_user_by_name.bind(name);
  reset_guard guard{st};
  std::optional<user_record> result;
  if (st.next())
    result = user_record{st.text_at(0), st.text_at(1), st.text_at(2)};
  if (st.error())
    return st.error();
  return result;
}

caf::expected<std::optional<token_grant>> load_token(store_db& db, const std::string& digest) {
  auto& st = db.q.select_token.bind(digest);
  reset_guard guard{st};
  std::optional<token_grant> result;
  if (st.next())
    result = token_grant{identity{st.text_at(0), st.text_at(1)}, digest, st.int64_at(2)};
  if (st.error())
    return st.error();
  return result;
}

caf::expected<std::optional<room_record>> load_room(store_db& db, const std::string& name) {
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

caf::expected<history_page> load_history(store_db& db, const std::string& room, std::int64_t page,
                                         std::int64_t page_size) {
  auto bounds = history_bounds(page, page_size);
  if (!bounds)
    return std::move(bounds.error());
  std::vector<chat_message> rows;
  if (*bounds) {
    auto& st = db.q.select_history.bind(room, (*bounds)->limit, (*bounds)->offset);
    reset_guard guard{st};
    while (st.next())
      rows.push_back(chat_message{room_message_id(st.int64_at(0)), st.int64_at(1), room,
                                  st.text_at(2), st.text_at(3), st.text_at(4), st.int64_at(5)});
    if (st.error())
      return st.error();
  }
  return history_of(room, page, page_size, std::move(rows));
}

caf::expected<message_list> load_since(store_db& db, const std::string& room,
                                       std::int64_t after_seq, std::int64_t limit) {
  if (limit < 1)
    return make_error(chat_errc::bad_request, "bad limit");
  auto& st = db.q.select_since.bind(room, after_seq, limit);
  reset_guard guard{st};
  message_list rows;
  while (st.next())
    rows.push_back(chat_message{room_message_id(st.int64_at(0)), st.int64_at(1), room,
                                st.text_at(2), st.text_at(3), st.text_at(4), st.int64_at(5)});
  if (st.error())
    return st.error();
  return rows;
}

caf::expected<room_list> load_rooms(store_db& db, const std::string& user_id, std::int64_t offer) {
  auto& st
    = offer < 0 ? db.q.select_rooms.bind(user_id) : db.q.select_room_offer.bind(user_id, offer);
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
