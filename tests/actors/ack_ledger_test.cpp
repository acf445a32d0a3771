// Unit tests of the delivery rules kept by a user's ack ledger: acks advance
// cursors (in order or not), unacked messages stay owed after their
// timeout, directs are deleted only when acked, truncation moves the cursor.
#include "actors/user/ack_ledger.hpp"

#include <doctest/doctest.h>

namespace {

struct ledger_fixture {
  chat::ack_ledger ledger;
  ledger_fixture() { ledger.load({{"devroom", 10, {}}}); }
  chat::room_cursor cursor(const std::string& room) {
    for (const auto& c : ledger.cursors())
      if (c.room == room)
        return c;
    FAIL("no cursor for ", room);
    return {};
  }
};

} // namespace

TEST_SUITE("ack ledger") {

TEST_CASE_FIXTURE(ledger_fixture, "an ack removes the message and advances the cursor") {
  ledger.track("m11", "devroom", 11, 1000);
  ledger.track("m12", "devroom", 12, 1000);
  CHECK(ledger.in_flight() == 2);
  auto changes = ledger.ack({"m11", "m12"});
  CHECK(ledger.in_flight() == 0);
  REQUIRE(changes.cursors.size() == 1);
  CHECK(changes.cursors[0].acked_seq == 12);
  CHECK(cursor("devroom").acked_seq == 12);
  CHECK(changes.directs.empty());
}

TEST_CASE_FIXTURE(ledger_fixture,
                  "emptied in-flight tables hold memory until release_spare(), rooms and directs") {
  CHECK_FALSE(ledger.holds_spare());
  ledger.track("m11", "devroom", 11, 1000);
  ledger.track("d5", {}, 0, 1000);
  ledger.ack({"m11"});
  CHECK(ledger.holds_spare()); // the room table is empty, the direct one is not
  ledger.release_spare();
  CHECK_FALSE(ledger.holds_spare());
  CHECK(ledger.in_flight() == 1); // the direct stays in flight
  ledger.ack({"d5"});
  CHECK(ledger.holds_spare());
  ledger.release_spare();
  CHECK_FALSE(ledger.holds_spare());
  CHECK(ledger.in_flight() == 0);
}

TEST_CASE_FIXTURE(ledger_fixture, "acks out of order are kept until the gap closes") {
  ledger.track("m11", "devroom", 11, 1000);
  ledger.track("m12", "devroom", 12, 1000);
  ledger.track("m13", "devroom", 13, 1000);
  ledger.ack({"m13"});
  auto c = cursor("devroom");
  CHECK(c.acked_seq == 10);
  CHECK(c.acked_above == std::vector<std::int64_t>{13});
  ledger.ack({"m11"});
  CHECK(cursor("devroom").acked_seq == 11);
  ledger.ack({"m12"});
  c = cursor("devroom");
  CHECK(c.acked_seq == 13);
  CHECK(c.acked_above.empty());
}

TEST_CASE_FIXTURE(ledger_fixture,
                  "an unacked message outlives its timeout as a debt, not in flight") {
  ledger.track("m11", "devroom", 11, 1000);
  CHECK_FALSE(ledger.expire(999));
  CHECK(ledger.latest_deadline() == 1000);
  CHECK(ledger.expire(1000));
  CHECK(ledger.in_flight() == 0);
  // Still owed: the cursor did not move, so a replay starts after 10.
  CHECK(cursor("devroom").acked_seq == 10);
}

TEST_CASE_FIXTURE(ledger_fixture,
                  "directs are reported for deletion when acked, even after a timeout") {
  ledger.track("d5", {}, 0, 1000);
  auto live = ledger.ack({"d5"});
  CHECK(live.directs == chat::id_list{"d5"});
  CHECK(live.cursors.empty());
  ledger.expire(5000);
  // Not in flight any more (e.g. replayed by an earlier user actor): still deleted.
  CHECK(ledger.ack({"d7"}).directs == chat::id_list{"d7"});
  // Unknown room ids change nothing.
  auto none = ledger.ack({"m99"});
  CHECK(none.cursors.empty());
  CHECK(none.directs.empty());
}

TEST_CASE_FIXTURE(ledger_fixture,
                  "joining starts a cursor at the room's last seq and keeps an old one") {
  ledger.joined("other", 42);
  CHECK(cursor("other").acked_seq == 42);
  ledger.joined("devroom", 99);
  CHECK(cursor("devroom").acked_seq == 10);
  CHECK(ledger.member_of("other"));
  ledger.left("other");
  CHECK_FALSE(ledger.member_of("other"));
}

TEST_CASE_FIXTURE(ledger_fixture, "only messages after the cursor and not acked are owed") {
  CHECK_FALSE(ledger.owed("devroom", 10)); // acked (or before the join)
  CHECK(ledger.owed("devroom", 11));
  ledger.track("m12", "devroom", 12, 1000);
  ledger.ack({"m12"}); // out of order: 11 still open
  CHECK_FALSE(ledger.owed("devroom", 12));
  CHECK(ledger.owed("devroom", 11));
  CHECK_FALSE(ledger.owed("attic", 1)); // not a member
  ledger.joined("attic", 5);
  CHECK_FALSE(ledger.owed("attic", 5)); // sent before the join
  CHECK(ledger.owed("attic", 6));
}

TEST_CASE_FIXTURE(ledger_fixture, "a room message is tracked only while it is owed") {
  CHECK(ledger.track("m11", "devroom", 11, 1000));
  CHECK_FALSE(ledger.track("m9", "devroom", 9, 1000)); // at or before the cursor
  CHECK_FALSE(ledger.track("m3", "attic", 3, 1000));   // not a member
  CHECK(ledger.in_flight() == 1);
  ledger.ack({"m11"});
  CHECK_FALSE(ledger.track("m11", "devroom", 11, 1000)); // acked already
  CHECK(ledger.track("d4", {}, 0, 1000));                // a direct needs no room
  CHECK(ledger.in_flight() == 1);
}

TEST_CASE_FIXTURE(ledger_fixture, "acks of ids that storage never makes change nothing") {
  ledger.track("m11", "devroom", 11, 1000);
  auto changes = ledger.ack({"", "m", "11", "m11x", "x11", "m-11", "d", "dx", "m0"});
  CHECK(changes.cursors.empty());
  CHECK(changes.directs.empty());
  CHECK(ledger.in_flight() == 1);
  CHECK(ledger.ack({"m11"}).cursors.size() == 1);
}

TEST_CASE_FIXTURE(ledger_fixture, "one ack frame over several rooms reports each room once") {
  ledger.joined("other", 0);
  ledger.track("m11", "devroom", 11, 1000);
  ledger.track("m12", "other", 1, 1000);
  ledger.track("m13", "devroom", 12, 1000);
  ledger.track("m14", "other", 2, 1000);
  auto changes = ledger.ack({"m11", "m12", "m13", "m14"});
  REQUIRE(changes.cursors.size() == 2);
  for (const auto& c : changes.cursors)
    CHECK(c.acked_seq == (c.room == "devroom" ? 12 : 2));
}

TEST_CASE_FIXTURE(ledger_fixture, "leaving a room and joining it again forgets its old in-flight") {
  ledger.track("m11", "devroom", 11, 1000);
  ledger.left("devroom");
  ledger.joined("devroom", 20);
  auto changes = ledger.ack({"m11"});
  CHECK(changes.cursors.empty());
  CHECK(cursor("devroom").acked_seq == 20);
}

TEST_CASE_FIXTURE(ledger_fixture, "leaving drops the room's messages in flight") {
  ledger.track("m11", "devroom", 11, 1000);
  ledger.track("d1", {}, 0, 1000);
  ledger.left("devroom");
  CHECK(ledger.in_flight() == 1);
}

TEST_CASE_FIXTURE(ledger_fixture,
                  "a truncated backlog moves the cursor to just before the kept part") {
  ledger.track("m30", "devroom", 30, 1000);
  ledger.ack({"m30"});
  auto c = ledger.skip_before("devroom", 25);
  CHECK(c.acked_seq == 24);
  CHECK(c.acked_above == std::vector<std::int64_t>{30});
  // Never backwards.
  CHECK(ledger.skip_before("devroom", 5).acked_seq == 24);
}

TEST_CASE_FIXTURE(ledger_fixture, "bursts delivered and acked in turn keep every cursor right") {
  // Each burst empties the in-flight set (it is dropped, pool and all, and
  // made again by the next one); a timed-out message and a leave empty it
  // too.
  auto id = [](std::int64_t row) { return "m" + std::to_string(row); };
  ledger.joined("other", 0);
  std::int64_t seq = 10;
  std::int64_t other_seq = 0;
  for (int burst = 0; burst < 5; ++burst) {
    chat::id_list ids;
    for (int i = 0; i < 500; ++i) {
      ++seq;
      ++other_seq;
      REQUIRE(ledger.track(id(seq), "devroom", seq, 1000));
      REQUIRE(ledger.track(id(100000 + other_seq), "other", other_seq, 1000));
      ids.push_back(id(seq));
      ids.push_back(id(100000 + other_seq));
    }
    CHECK(ledger.in_flight() == 1000);
    auto changes = ledger.ack(ids);
    CHECK(ledger.in_flight() == 0);
    CHECK(changes.cursors.size() == 2);
    CHECK(cursor("devroom").acked_seq == seq);
    CHECK(cursor("other").acked_seq == other_seq);
  }
  REQUIRE(ledger.track(id(seq + 1), "devroom", seq + 1, 1000));
  CHECK(ledger.expire(1000));
  CHECK(ledger.owed("devroom", seq + 1)); // timed out, still owed by its cursor
  REQUIRE(ledger.track(id(seq + 1), "devroom", seq + 1, 2000));
  ledger.left("devroom");
  CHECK(ledger.in_flight() == 0);
  REQUIRE(ledger.track(id(100000 + other_seq + 1), "other", other_seq + 1, 3000));
  CHECK(ledger.latest_deadline() == 3000);
  CHECK(ledger.ack({id(100000 + other_seq + 1)}).cursors.size() == 1);
  CHECK(cursor("other").acked_seq == other_seq + 1);
}

TEST_CASE_FIXTURE(ledger_fixture,
                  "a cursor another node stored ends what it covers here, and never moves back") {
  for (std::int64_t seq = 11; seq <= 15; ++seq)
    REQUIRE(ledger.track("m" + std::to_string(seq), "devroom", seq, 1000));
  ledger.ack({"m12"});
  // The user acked 11 and 14 on another node.
  ledger.absorb({"devroom", 11, {14}});
  CHECK(cursor("devroom").acked_seq == 12); // 11 from there, 12 from here
  CHECK(cursor("devroom").acked_above == std::vector<std::int64_t>{14});
  CHECK(ledger.in_flight() == 2); // 13 and 15
  CHECK_FALSE(ledger.owed("devroom", 14));
  CHECK(ledger.owed("devroom", 13));
  // An older cursor changes nothing; a room the user left here, nothing.
  ledger.absorb({"devroom", 5, {}});
  ledger.absorb({"elsewhere", 40, {}});
  CHECK(cursor("devroom").acked_seq == 12);
  CHECK(ledger.cursors().size() == 1);
  ledger.absorb({"devroom", 13, {}});
  CHECK(cursor("devroom").acked_seq == 14); // 13 joins the run up to 14
  CHECK(cursor("devroom").acked_above.empty());
  CHECK(ledger.in_flight() == 1);
  CHECK(ledger.ack({"m13"}).cursors.empty()); // not in flight any more
}

} // TEST_SUITE("ack ledger")
