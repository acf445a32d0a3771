// Tests of at-least-once delivery in the storage actor: members' room
// cursors, direct messages and their acks, the replay read, restarts and a
// burst of directs. Each test gets its own database file (store_fixture.hpp).
#include "protocol/atoms.hpp"
#include "storage/message_store.hpp"

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <doctest/doctest.h>

#include "protocol/chat_error.hpp"
#include "store_fixture.hpp"

using namespace chat;
using namespace chat::test;
using namespace std::chrono_literals;

namespace {

using seq_list = std::vector<std::int64_t>;

direct_message make_direct(const std::string& to, const std::string& from,
                           const std::string& text) {
  return direct_message{"",           to, from, "name-of-" + from, "{\"text\":\"" + text + "\"}",
                        1700000000000};
}

seq_list seqs_of(const room_backlog& backlog) {
  seq_list result;
  for (auto& msg : backlog.messages)
    result.push_back(msg.seq);
  return result;
}

std::vector<std::string> ids_of(const std::vector<direct_message>& directs) {
  std::vector<std::string> result;
  for (auto& msg : directs)
    result.push_back(msg.id);
  return result;
}

struct delivery_fixture : fixture {
  void set_cursor(const std::string& user_id, const std::string& room, std::int64_t acked_seq,
                  seq_list acked_above = {}) {
    caf::anon_send(store, cursor_atom::value, user_id, room, acked_seq, std::move(acked_above));
  }

  void ack(const std::string& user_id, id_list ids) {
    caf::anon_send(store, ack_atom::value, user_id, std::move(ids));
  }

  direct_message send_direct(const direct_message& msg) {
    return ask<direct_message>(append_atom::value, msg);
  }

  replay_batch replay(const std::string& user_id, cursor_list list,
                      std::int64_t backlog_max = 100) {
    return ask<replay_batch>(replay_atom::value, user_id, std::move(list), backlog_max);
  }

  /// The room's only backlog in a replay of just that cursor.
  room_backlog backlog(const room_cursor& cursor, std::int64_t backlog_max) {
    auto batch = replay("u9", cursor_list{cursor}, backlog_max);
    REQUIRE(batch.rooms.size() == 1);
    CHECK(batch.rooms[0].room == cursor.room);
    return batch.rooms[0];
  }

  void append_range(const std::string& room, std::int64_t first, std::int64_t last) {
    for (auto seq = first; seq <= last; ++seq)
      caf::anon_send(store, append_atom::value, make_message(room, seq));
  }
};

} // namespace

TEST_SUITE("storage") {

TEST_CASE_FIXTURE(delivery_fixture, "a joined member's cursor starts at the room's last seq") {
  CHECK(create_user(make_user("u1", "alice")));
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("lobby")));
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("empty")));
  append_range("lobby", 1, 5);
  member("lobby", "u1");
  member("empty", "u1");
  auto list = cursors("u1");
  REQUIRE(list.size() == 3); // by room name: "@alice", "empty", "lobby"
  CHECK(list[0].room == "@alice");
  CHECK(list[0].acked_seq == 0);
  CHECK(list[1].room == "empty");
  CHECK(list[1].acked_seq == 0);
  CHECK(list[2].room == "lobby");
  CHECK(list[2].acked_seq == 5);
  CHECK(list[2].acked_above.empty());
  // Joining again while a member keeps the cursor the member moved.
  set_cursor("u1", "lobby", 3, {5});
  append_range("lobby", 6, 8);
  member("lobby", "u1");
  CHECK(cursors("u1")[2].acked_seq == 3);
  CHECK(cursors("u1")[2].acked_above == seq_list{5});
  // Leaving drops the cursor; a rejoin starts from the newest seq again.
  member("lobby", "u1", false);
  CHECK(member_rooms("u1") == name_list{"@alice", "empty"});
  member("lobby", "u1");
  list = cursors("u1");
  REQUIRE(list.size() == 3);
  CHECK(list[2].acked_seq == 8);
  CHECK(list[2].acked_above.empty());
  CHECK(cursors("nobody").empty());
}

TEST_CASE_FIXTURE(delivery_fixture,
                  "cursor updates are stored normalized and persist across a restart") {
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("lobby")));
  member("lobby", "u1");
  member("lobby", "u2");
  set_cursor("u1", "lobby", 3, {9, 5, 2, 5, 3});
  set_cursor("u2", "lobby", 7);
  set_cursor("u3", "lobby", 4); // not a member: nothing stored
  set_cursor("u1", "nowhere", 4);
  // Reads see the cursor inside the open batch.
  REQUIRE(cursors("u1").size() == 1);
  CHECK(cursors("u1")[0].acked_above == seq_list{5, 9});
  restart();
  auto list = cursors("u1");
  REQUIRE(list.size() == 1);
  CHECK(list[0].room == "lobby");
  CHECK(list[0].acked_seq == 3);
  CHECK(list[0].acked_above == seq_list{5, 9});
  REQUIRE(cursors("u2").size() == 1);
  CHECK(cursors("u2")[0].acked_seq == 7);
  CHECK(cursors("u2")[0].acked_above.empty());
  CHECK(cursors("u3").empty());
  auto lobby = room("lobby");
  REQUIRE(lobby);
  CHECK(lobby->members.size() == 2);
  // A later update overwrites the whole cursor.
  set_cursor("u1", "lobby", 10);
  restart();
  CHECK(cursors("u1")[0].acked_seq == 10);
  CHECK(cursors("u1")[0].acked_above.empty());
}

TEST_CASE_FIXTURE(delivery_fixture,
                  "replay returns the messages after the cursor minus acked_above") {
  append_range("lobby", 1, 10);
  append_range("side", 1, 4);
  append_range("quiet", 1, 2);
  auto batch
    = replay("u1", cursor_list{room_cursor{"side", 2, {4}}, room_cursor{"quiet", 2, {}},
                               room_cursor{"nowhere", 0, {}}, room_cursor{"lobby", 3, {5, 8}}});
  CHECK(batch.directs.empty());
  // Rooms owed nothing are omitted; the others keep the cursors' order.
  REQUIRE(batch.rooms.size() == 2);
  auto& side = batch.rooms[0];
  CHECK(side.room == "side");
  CHECK(seqs_of(side) == seq_list{3});
  CHECK_FALSE(side.truncated);
  CHECK(side.from_seq == 3);
  auto& lobby = batch.rooms[1];
  CHECK(lobby.room == "lobby");
  CHECK(seqs_of(lobby) == seq_list{4, 6, 7, 9, 10});
  CHECK_FALSE(lobby.truncated);
  CHECK(lobby.from_seq == 4);
  auto& first = lobby.messages.front();
  CHECK(first.id == "m4");
  CHECK(first.room == "lobby");
  CHECK(first.user_id == "u1");
  CHECK(first.name == "alice");
  CHECK(first.body == make_message("lobby", 4).body);
  CHECK(first.ts == make_message("lobby", 4).ts);
  // acked_above given unsorted or with seqs <= acked_seq still filters.
  CHECK(seqs_of(backlog(room_cursor{"lobby", 6, {9, 2, 7}}, 100)) == seq_list{8, 10});
}

TEST_CASE_FIXTURE(delivery_fixture, "a backlog is cut to the newest backlog_max messages") {
  append_range("lobby", 1, 20);
  auto cut = backlog(room_cursor{"lobby", 0, {}}, 5);
  CHECK(seqs_of(cut) == seq_list{16, 17, 18, 19, 20});
  CHECK(cut.truncated);
  CHECK(cut.from_seq == 16);
  // Exactly backlog_max owed: nothing cut.
  auto exact = backlog(room_cursor{"lobby", 15, {}}, 5);
  CHECK(seqs_of(exact) == seq_list{16, 17, 18, 19, 20});
  CHECK_FALSE(exact.truncated);
  CHECK(exact.from_seq == 16);
  // Acked seqs among the newest do not count against backlog_max.
  auto skipping = backlog(room_cursor{"lobby", 0, {18, 19, 20}}, 5);
  CHECK(seqs_of(skipping) == seq_list{13, 14, 15, 16, 17});
  CHECK(skipping.truncated);
  CHECK(skipping.from_seq == 13);
  auto fits = backlog(room_cursor{"lobby", 14, {16, 18}}, 4);
  CHECK(seqs_of(fits) == seq_list{15, 17, 19, 20});
  CHECK_FALSE(fits.truncated);
  auto one = backlog(room_cursor{"lobby", 14, {16, 18}}, 3);
  CHECK(seqs_of(one) == seq_list{17, 19, 20});
  CHECK(one.truncated);
  CHECK(one.from_seq == 17);
  auto bad = ask_error<replay_batch>(replay_atom::value, std::string{"u1"}, cursor_list{},
                                     std::int64_t{0});
  CHECK(to_chat_errc(bad) == chat_errc::bad_request);
}

TEST_CASE_FIXTURE(
  delivery_fixture,
  "a direct gets its id d<n> after the commit; an unknown recipient fails at once") {
  opts.commit_window = 300ms;
  restart();
  CHECK(create_user(make_user("u1", "alice")));
  CHECK(create_user(make_user("u2", "bob")));
  auto start = std::chrono::steady_clock::now();
  auto write = (*self)->request(store, 5s, append_atom::value, make_direct("u2", "u1", "hi"));
  // A read sees it at once, before the commit.
  auto seen = replay("u2", {});
  CHECK(std::chrono::steady_clock::now() - start < 250ms);
  CHECK(ids_of(seen.directs) == std::vector<std::string>{"d1"});
  auto unknown = ask_error<direct_message>(append_atom::value, make_direct("u7", "u1", "hi"));
  CHECK(to_chat_errc(unknown) == chat_errc::unknown_user);
  CHECK(std::chrono::steady_clock::now() - start < 250ms);
  direct_message stored;
  write.receive([&](direct_message& x) { stored = std::move(x); },
                [&](caf::error& err) { FAIL_CHECK(error_text(err)); });
  CHECK(std::chrono::steady_clock::now() - start >= 250ms);
  CHECK(stored.id == "d1");
  CHECK(stored.to_user == "u2");
  CHECK(stored.from_user == "u1");
  CHECK(stored.from_name == "name-of-u1");
  CHECK(stored.body == make_direct("u2", "u1", "hi").body);
  CHECK(stored.ts == 1700000000000);
  CHECK(send_direct(make_direct("u1", "u2", "back")).id == "d2");
}

TEST_CASE_FIXTURE(delivery_fixture, "replay lists a user's directs in id order and not others'") {
  for (auto [id, name] :
       {std::pair{"u1", "alice"}, std::pair{"u2", "bob"}, std::pair{"u3", "carol"}})
    CHECK(create_user(make_user(id, name)));
  send_direct(make_direct("u2", "u1", "one"));
  send_direct(make_direct("u3", "u1", "two"));
  send_direct(make_direct("u2", "u3", "three"));
  auto batch = replay("u2", {});
  REQUIRE(batch.directs.size() == 2);
  CHECK(batch.directs[0].id == "d1");
  CHECK(batch.directs[0].to_user == "u2");
  CHECK(batch.directs[0].from_user == "u1");
  CHECK(batch.directs[0].from_name == "name-of-u1");
  CHECK(batch.directs[0].body == make_direct("u2", "u1", "one").body);
  CHECK(batch.directs[0].ts == 1700000000000);
  CHECK(batch.directs[1].id == "d3");
  CHECK(batch.directs[1].from_user == "u3");
  CHECK(batch.rooms.empty());
  CHECK(ids_of(replay("u3", {}).directs) == std::vector<std::string>{"d2"});
  CHECK(replay("u1", {}).directs.empty());
}

TEST_CASE_FIXTURE(delivery_fixture, "an ack deletes only the acking user's directs") {
  CHECK(create_user(make_user("u2", "bob")));
  CHECK(create_user(make_user("u3", "carol")));
  send_direct(make_direct("u2", "u1", "one"));   // d1
  send_direct(make_direct("u3", "u1", "two"));   // d2
  send_direct(make_direct("u2", "u1", "three")); // d3
  send_direct(make_direct("u2", "u1", "four"));  // d4
  ack("u2", {"d1", "d2", "m3", "d", "dx", "d3x", "d-3", "d0", "", "d99999999999999999999", "d4"});
  CHECK(ids_of(replay("u2", {}).directs) == std::vector<std::string>{"d3"});
  CHECK(ids_of(replay("u3", {}).directs) == std::vector<std::string>{"d2"});
  restart();
  CHECK(ids_of(replay("u2", {}).directs) == std::vector<std::string>{"d3"});
  CHECK(ids_of(replay("u3", {}).directs) == std::vector<std::string>{"d2"});
  ack("u2", {"d3", "d3"});
  CHECK(replay("u2", {}).directs.empty());
}

TEST_CASE_FIXTURE(delivery_fixture,
                  "directs and cursors survive closing the actor system and reopening the file") {
  CHECK(create_user(make_user("u1", "alice")));
  CHECK(create_user(make_user("u2", "bob")));
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("lobby")));
  append_range("lobby", 1, 3);
  member("lobby", "u2"); // cursor at 3
  append_range("lobby", 4, 9);
  set_cursor("u2", "lobby", 5, {7});
  send_direct(make_direct("u2", "u1", "one"));
  send_direct(make_direct("u2", "u1", "two"));
  ack("u2", {"d1"});
  auto before = replay("u2", cursors("u2"), 10);
  restart();
  auto list = cursors("u2");
  REQUIRE(list.size() == 2); // "@bob", "lobby"
  CHECK(list[1].room == "lobby");
  CHECK(list[1].acked_seq == 5);
  CHECK(list[1].acked_above == seq_list{7});
  auto after = replay("u2", list, 10);
  CHECK(ids_of(after.directs) == ids_of(before.directs));
  CHECK(ids_of(after.directs) == std::vector<std::string>{"d2"});
  REQUIRE(after.rooms.size() == 1);
  CHECK(seqs_of(after.rooms[0]) == seq_list{6, 8, 9});
  REQUIRE(before.rooms.size() == 1);
  CHECK(seqs_of(before.rooms[0]) == seqs_of(after.rooms[0]));
  // Direct ids keep counting after a restart (AUTOINCREMENT: never reused).
  CHECK(send_direct(make_direct("u2", "u1", "three")).id == "d3");
}

TEST_CASE_FIXTURE(delivery_fixture,
                  "a burst of direct appends sent without waiting completes with distinct ids") {
  constexpr int burst = 1000;
  CHECK(create_user(make_user("u2", "bob")));
  using handle = decltype((*self)->request(store, 5s, append_atom::value, direct_message{}));
  std::vector<handle> pending;
  pending.reserve(burst);
  for (int i = 0; i < burst; ++i)
    pending.push_back((*self)->request(store, 10s, append_atom::value,
                                       make_direct("u2", "u1", "n" + std::to_string(i))));
  std::vector<std::string> ids;
  for (auto& reply : pending)
    reply.receive([&](direct_message& msg) { ids.push_back(msg.id); },
                  [&](caf::error& err) { FAIL_CHECK(error_text(err)); });
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == static_cast<std::size_t>(burst));
  restart();
  auto stored = replay("u2", {}).directs;
  REQUIRE(stored.size() == static_cast<std::size_t>(burst));
  CHECK(ids_of(stored) == ids); // id order = send order
  CHECK(stored.back().body == make_direct("u2", "u1", "n999").body);
}

} // TEST_SUITE("storage")
