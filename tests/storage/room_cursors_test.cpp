// Tests of room cursors in the storage actor (at-least-once delivery): a
// member's cursor set on join, cursor updates stored normalized across a
// restart, and the replay read of each room's messages after a cursor,
// cut to backlog_max. Each test gets its own database file
// (store_fixture.hpp, delivery_fixture.hpp).
#include "protocol/atoms.hpp"
#include "storage/message_store.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <caf/send.hpp>
#include <doctest/doctest.h>

#include "delivery_fixture.hpp"
#include "protocol/chat_error.hpp"

using namespace chat;
using namespace chat::test;

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
  append_range("lobby", 6, 8);
  set_cursor("u1", "lobby", 6, {8});
  member("lobby", "u1");
  CHECK(cursors("u1")[2].acked_seq == 6);
  CHECK(cursors("u1")[2].acked_above == seq_list{8});
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

TEST_CASE_FIXTURE(delivery_fixture, "a cursor never moves back, by a cursor write or an ack") {
  CHECK(ask<bool>(create_atom::value, room_atom::value, make_room("lobby")));
  member("lobby", "u1");
  set_cursor("u1", "lobby", 7, {9});
  // An older write (another node's actor that had not heard of the newer).
  set_cursor("u1", "lobby", 4, {6});
  CHECK(cursors("u1")[0].acked_seq == 7);
  CHECK(cursors("u1")[0].acked_above == seq_list{9});
  CHECK(ask<bool>(ack_atom::value, std::string{"u1"}, cursor_list{room_cursor{"lobby", 5, {}}},
                  id_list{}));
  CHECK(cursors("u1")[0].acked_seq == 7);
  // Forward it moves, acked_above with it; an unknown room changes nothing.
  CHECK(ask<bool>(ack_atom::value, std::string{"u1"},
                  cursor_list{room_cursor{"lobby", 9, {11, 12}}, room_cursor{"nowhere", 3, {}}},
                  id_list{}));
  restart();
  REQUIRE(cursors("u1").size() == 1);
  CHECK(cursors("u1")[0].acked_seq == 9);
  CHECK(cursors("u1")[0].acked_above == seq_list{11, 12});
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

} // TEST_SUITE("storage")
