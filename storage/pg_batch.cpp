// The PostgreSQL store's writes (storage/pg_batch.hpp).
#include "storage/pg_batch.hpp"

#include <algorithm>
#include <utility>

#include "protocol/chat_error.hpp"
#include "protocol/message_id.hpp"
#include "storage/pg_notice.hpp"
#include "storage/stored_rows.hpp"

namespace chat {

namespace {

std::vector<std::string> member_ids(const room_record& room) {
  std::vector<std::string> ids;
  for (auto& member : room.members)
    ids.push_back(member.user_id);
  return ids;
}

/// The row numbers of the direct ids, as `$n::bigint[]`: malformed ids and
/// room message ids are left out.
std::string direct_rows(const id_list& ids) {
  std::string rows = "{";
  for (auto& id : ids) {
    auto parsed = parse_message_id(id);
    if (!parsed || parsed->kind != message_kind::direct)
      continue;
    if (rows.size() > 1)
      rows += ',';
    rows += std::to_string(parsed->row);
  }
  rows += '}';
  return rows;
}

pg::params room_args(const room_record& room) {
  return {room.name, room.is_private ? "true" : "false", room.key,
          std::to_string(room.max_members)};
}

/// The reply a write's result stands for.
caf::expected<write_value> reply_of(const pg_write& w, const pg::result& res) {
  bool found = res.rows() > 0;
  switch (w.kind) {
    case pg_write_kind::user:
    case pg_write_kind::room:
      if (!found)
        return make_error(chat_errc::name_taken, "name taken: " + w.what);
      return write_value{true};
    case pg_write_kind::token:
      if (!found)
        return make_error(chat_errc::storage, "token exists");
      return write_value{true};
    case pg_write_kind::logout: return write_value{found};
    case pg_write_kind::message: {
      if (!found) // cannot happen: lock_room made the counter row
        return make_error(chat_errc::storage, "no seq counter for " + w.args.front());
      auto msg = std::get<chat_message>(w.request);
      msg.id = room_message_id(res.int64(0, 0));
      msg.seq = res.int64(0, 1);
      return write_value{std::move(msg)};
    }
    case pg_write_kind::direct: {
      if (!found)
        return make_error(chat_errc::unknown_user, "no such user");
      auto msg = std::get<direct_message>(w.request);
      msg.id = direct_message_id(res.int64(0, 0));
      return write_value{std::move(msg)};
    }
    case pg_write_kind::ack:
    case pg_write_kind::joined:
    case pg_write_kind::left:
    case pg_write_kind::online:
    case pg_write_kind::offline:
    case pg_write_kind::quiet: break;
  }
  return write_value{true};
}

} // namespace

pg_write pg_insert_user(const user_record& user, const room_record& channel, std::int64_t now) {
  auto args = pg::params{user.user_id, user.name, user.password_hash, std::to_string(now)};
  for (auto& arg : room_args(channel))
    args.push_back(std::move(arg));
  args.push_back(pg::text_array(member_ids(channel)));
  return {pg_write_kind::user, "insert_user", std::move(args), {}, user.name, {}};
}

pg_write pg_insert_token(const token_record& token) {
  return {pg_write_kind::token,
          "insert_token",
          {token.token_hash, token.user_id, std::to_string(token.expires_at_ms)},
          {},
          {},
          {}};
}

pg_write pg_delete_token(const std::string& token_hash) {
  return {pg_write_kind::logout, "delete_token", {token_hash}, {}, {}, {}};
}

pg_write pg_insert_room(const room_record& room, std::int64_t now) {
  auto args = room_args(room);
  args.push_back(std::to_string(now));
  args.push_back(pg::text_array(member_ids(room)));
  return {pg_write_kind::room, "insert_room", std::move(args), {}, room.name, {}};
}

pg_write pg_insert_message(chat_message msg) {
  pg::params args{msg.room, msg.user_id, msg.name, msg.body, std::to_string(msg.ts)};
  return {pg_write_kind::message, "insert_message", std::move(args), std::move(msg), {}, {}};
}

pg_write pg_insert_direct(direct_message msg) {
  pg::params args{msg.to_user, msg.from_user, msg.from_name, msg.body, std::to_string(msg.ts)};
  return {pg_write_kind::direct, "insert_direct", std::move(args), std::move(msg), {}, {}};
}

pg_write pg_update_member(const std::string& room, const std::string& user_id, bool joined) {
  return {joined ? pg_write_kind::joined : pg_write_kind::left,
          joined ? "insert_member" : "delete_member",
          {room, user_id},
          {},
          "member change " + user_id + " in " + room,
          {}};
}

pg_write pg_update_cursor(const std::string& user_id, const std::string& room,
                          std::int64_t acked_seq, std::vector<std::int64_t> acked_above) {
  auto above = format_seqs(normalized(std::move(acked_above), acked_seq));
  return {pg_write_kind::quiet,
          "update_cursor",
          {room, user_id, std::to_string(acked_seq), std::move(above)},
          {},
          "cursor of " + user_id + " in " + room,
          {}};
}

pg_write pg_delete_directs(const std::string& user_id, const id_list& ids) {
  return {pg_write_kind::quiet,
          "delete_directs",
          {user_id, direct_rows(ids)},
          {},
          "acks of " + user_id, // what a failed write loses, for the log
          {}};
}

pg_write pg_ack(const std::string& user_id, const cursor_list& cursors, const id_list& ids) {
  std::vector<std::string> rooms, seqs, aboves;
  for (auto& c : cursors) {
    rooms.push_back(c.room);
    seqs.push_back(std::to_string(c.acked_seq));
    aboves.push_back(format_seqs(normalized(c.acked_above, c.acked_seq)));
  }
  auto notice = std::make_shared<ack_notice>(ack_notice{user_id, cursors, {}});
  for (auto& id : ids)
    if (auto parsed = parse_message_id(id); parsed && parsed->kind == message_kind::direct)
      notice->directs.push_back(id);
  return {pg_write_kind::ack,
          "ack",
          {user_id, pg::text_array(rooms), pg::text_array(seqs), pg::text_array(aboves),
           direct_rows(ids)},
          {},
          "acks of " + user_id,
          std::move(notice)};
}

pg_write pg_update_presence(const std::string& node_id, const std::string& user_id, bool online) {
  return {online ? pg_write_kind::online : pg_write_kind::offline,
          online ? "insert_presence" : "delete_presence",
          {node_id, user_id},
          {},
          "presence of " + user_id,
          {}};
}

std::variant<pg_batch_result, pg_batch_failure>
run_pg_batch(pg::connection& db, const std::vector<pg_write>& writes, const std::string& instance) {
  std::vector<std::string> rooms;
  for (auto& w : writes)
    if (w.kind == pg_write_kind::message)
      rooms.push_back(w.args.front());
  std::sort(rooms.begin(), rooms.end());
  rooms.erase(std::unique(rooms.begin(), rooms.end()), rooms.end());

  std::vector<std::pair<std::string, pg::params>> steps;
  steps.reserve(writes.size() + rooms.size() + 2);
  // First round trip: the writes, inside the open transaction.
  steps.emplace_back("begin", pg::params{});
  for (auto& room : rooms)
    steps.emplace_back("lock_room", pg::params{room});
  for (auto& w : writes)
    steps.emplace_back(w.statement, w.args);
  auto results = db.pipeline(steps);
  if (!results) {
    db.rollback_if_open();
    return pg_batch_failure{error_text(results.error()), false};
  }
  for (auto& res : *results)
    if (!res.ok()) { // the first failure; the ones after it say "aborted"
      bool up = db.up();
      db.rollback_if_open();
      return pg_batch_failure{res.error(), up};
    }
  pg_batch_result out;
  out.replies.reserve(writes.size());
  commit_summary commit;
  commit.instance = instance;
  auto first = 1 + rooms.size();
  for (std::size_t i = 0; i < writes.size(); ++i) {
    auto& w = writes[i];
    auto& res = (*results)[first + i];
    out.replies.push_back(reply_of(w, res));
    auto& reply = out.replies.back();
    switch (w.kind) {
      case pg_write_kind::message:
        if (reply)
          commit.messages.push_back(std::get<chat_message>(*reply));
        break;
      case pg_write_kind::direct:
        if (reply)
          commit.directs.push_back(std::get<direct_message>(*reply));
        break;
      case pg_write_kind::logout: // every node closes that token's sockets
        if (reply && std::get<bool>(*reply))
          commit.logouts.push_back(w.args.front());
        break;
      case pg_write_kind::ack:
        if (w.acks)
          commit.acks.push_back(*w.acks);
        break;
      case pg_write_kind::joined:
      case pg_write_kind::left:
        if (res.rows() > 0) // a change, not a repeat
          commit.members.push_back(member_notice{w.args[0], identity{w.args[1], res.text(0, 0)},
                                                 w.kind == pg_write_kind::joined});
        break;
      case pg_write_kind::online:
      case pg_write_kind::offline:
        commit.presence.push_back(
          node_presence{w.args[1], w.args[0], w.kind == pg_write_kind::online});
        break;
      default: break;
    }
  }
  // Second: the notification, now that the seqs are known, and COMMIT.
  // NOTIFY is delivered only if the transaction commits, and in commit
  // order; a COMMIT that gets no answer has an unknown outcome, so the
  // whole batch answers `storage` and nothing is retried.
  steps.clear();
  for (auto& notice : commit_notices(commit))
    steps.emplace_back("notify", pg::params{std::move(notice)});
  steps.emplace_back("commit", pg::params{});
  auto committed = db.pipeline(steps);
  if (!committed || !committed->back().ok()) {
    std::string what = !committed ? error_text(committed.error()) : committed->back().error();
    if (committed)
      for (auto& res : *committed)
        if (!res.ok()) {
          what = res.error();
          break;
        }
    db.rollback_if_open();
    return pg_batch_failure{"commit failed: " + what, false};
  }
  return out;
}

} // namespace chat
