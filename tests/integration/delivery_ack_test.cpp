// Acks against the real server: an ack from one connection of a user counts
// for all of them, acked messages are not replayed while the unacked ones
// are (partial and out-of-order acks), a message that failed to store takes
// no seq so acks can close the cursor, and bad ack requests answer
// bad_request. The replay itself is tested in delivery_replay_test.cpp.
#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "tests/integration/delivery_checks.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_checks.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

TEST_SUITE("delivery") {

TEST_CASE("an ack from one connection of a user counts for all of them") {
  server_process server{settings()};
  auto ann = make_account(server.port(), "ann_devices"),
       ben = make_account(server.port(), "ben_devices");
  auto ca = open_clean(server.port(), ann);
  auto phone = open_clean(server.port(), ben);
  auto laptop = open_clean(server.port(), ben);
  REQUIRE(ca.call(make_frame("join", "devices")));
  REQUIRE(phone.call(make_frame("join", "devices")));
  auto sent = send_all(ca, "devices", 1);
  auto on_phone = read_messages(phone, "devices", 1);
  auto on_laptop = read_messages(laptop, "devices", 1);
  CHECK(on_phone[0]["id"] == sent[0].id);
  CHECK(on_laptop[0]["id"] == sent[0].id);

  ack(phone, {sent[0].id});
  laptop.close();
  {
    INFO("the other connection reconnects");
    auto laptop2 = open_clean(server.port(), ben);
  }
  phone.close();
  {
    INFO("the acking connection reconnects");
    auto phone2 = open_clean(server.port(), ben);
    expect_alive(phone2);
  }
}

TEST_CASE("acked messages are not replayed but the unacked ones are") {
  server_process server{settings()};
  auto ann = make_account(server.port(), "ann_partial"),
       ben = make_account(server.port(), "ben_partial");
  auto ca = open_clean(server.port(), ann);
  auto cb = open_clean(server.port(), ben);
  REQUIRE(ca.call(make_frame("join", "partial")));
  REQUIRE(cb.call(make_frame("join", "partial")));
  auto sent = send_all(ca, "partial", 6);
  auto live = read_messages(cb, "partial", 6);
  REQUIRE(ids_of(live) == ids_of(sent));
  std::vector<std::string> dms;
  for (int n = 0; n < 3; ++n) {
    dms.push_back(send_dm(ca, ben, {{"text", "dm"}, {"n", n}}));
    auto direct = cb.read_type("direct");
    REQUIRE_MESSAGE(direct, "direct ", n, " did not arrive");
    CHECK((*direct)["id"] == dms.back());
  }

  // Ack out of order and with gaps: messages 0, 2, 3 and direct 1.
  ack(cb, {sent[3].id, dms[1], sent[0].id, sent[2].id});
  cb.close();

  replay r;
  auto cb2 = connect_replay(server.port(), ben, r);
  {
    INFO("ben's reconnect: ", r.describe());
    REQUIRE(!r.done.is_null());
    std::vector<std::string> expected{dms[0], dms[2], sent[1].id, sent[4].id, sent[5].id};
    CHECK(r.ids() == expected);
    REQUIRE(r.frames.size() == expected.size());
    CHECK(type_of(r.frames[0]) == "direct");
    CHECK(type_of(r.frames[1]) == "direct");
    for (auto& f : r.frames)
      CHECK(f["replay"] == true);
    check_replayed_message(r.frames[2], "partial", sent[1]);
    check_replayed_message(r.frames[3], "partial", sent[4]);
    check_replayed_message(r.frames[4], "partial", sent[5]);
    CHECK(r.done["count"] == 5);
  }
  // Acking the replayed ones leaves nothing.
  ack(cb2, r.ids());
  cb2.close();
  auto cb3 = open_clean(server.port(), ben);
}

TEST_CASE("a message that failed to store takes no seq: the room's numbering has no gap") {
  server_process server{settings()};
  auto ann = make_account(server.port(), "ann_gap"), ben = make_account(server.port(), "ben_gap");
  auto ca = open_clean(server.port(), ann);
  auto cb = open_clean(server.port(), ben);
  REQUIRE(ca.call(make_frame("join", "gapless")));
  REQUIRE(cb.call(make_frame("join", "gapless")));
  auto before = send_all(ca, "gapless", 1);
  CHECK(before[0].seq == 1);

  // Another process holds SQLite's write lock: the next append waits out the
  // busy timeout and fails.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((server.dir() + "/chat.db").c_str(), &db) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000); // the server may be inside a group commit
  REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto stuck
    = ca.call(make_frame("send", "gapless", {{"text", "stuck"}}), std::chrono::seconds(15));
  REQUIRE(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  REQUIRE(stuck);
  CHECK(type_of(*stuck) == "error");
  CHECK((*stuck)["code"] == "storage");

  auto after = send_all(ca, "gapless", 2, 1);
  CHECK(after[0].seq == 2); // not 3: the failed message numbered nothing
  CHECK(after[1].seq == 3);
  auto live = read_messages(cb, "gapless", 3);
  CHECK(live[0]["seq"] == 1);
  CHECK(live[1]["seq"] == 2);
  CHECK(live[2]["seq"] == 3);
  // Ben's acks close his cursor over 1..3: a reconnect owes him nothing.
  ack(cb, ids_of(live));
  cb.close();
  auto cb2 = open_clean(server.port(), ben);
}

TEST_CASE("an ack whose ids are not an array of strings answers bad_request") {
  server_process server{settings()};
  auto ann = make_account(server.port(), "ann_badack");
  auto ca = open_clean(server.port(), ann);
  std::vector<json> frames{
    {{"action", "ack"}, {"body", {{"ids", "m1"}}}},
    {{"action", "ack"}, {"body", {{"ids", json::array({1, 2})}}}},
    {{"action", "ack"}, {"body", {{"ids", json::array({"m1", 5})}}}},
    {{"action", "ack"}, {"body", {{"ids", json::object()}}}},
    {{"action", "ack"}, {"body", {{"id", "m1"}}}},
    {{"action", "ack"}},
  };
  for (auto& frame : frames)
    check_error_reply(ca, frame, "bad_request");
  expect_alive(ca);
}

} // TEST_SUITE("delivery")
