// Delivery guarantees against the real server: on every connect, right after
// "welcome", the server replays what the user has not acked (unacked directs
// in id order, then every room's messages after the user's last ack there,
// rooms in name order, each frame with "replay": true), then sends
// {"type":"replayed","count"}. Covered here: replay after the ack timeout,
// room catch-up without re-joining, backlog truncation ([delivery]
// backlog_max), acks from one of several connections, partial acks, the
// replay order, bad ack requests, and seqs without gaps after a failed store.
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "tests/support/http_client.hpp"
#include "tests/support/poll.hpp"
#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_checks.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

server_process::overrides settings(const server_process::overrides& extra = {}) {
  server_process::overrides all{{"limits.messages_per_second", "100000"},
                                {"limits.burst", "100000"}};
  for (auto& [key, value] : extra)
    all[key] = value;
  return all;
}

struct sent_message {
  std::string id;
  std::int64_t seq = 0;
};

/// Sends `count` messages {"text", "n": first + k} to `room` and returns what
/// "sent" said about each, in order.
std::vector<sent_message> send_all(ws_client& ws, const std::string& room, int count,
                                   int first = 0) {
  std::vector<sent_message> out;
  for (int k = 0; k < count; ++k) {
    auto sent = ws.call(make_frame("send", room, {{"text", "hello"}, {"n", first + k}}));
    REQUIRE_MESSAGE(sent, "no reply to send ", k, " to ", room, ": ", ws.error());
    INFO("reply: ", sent->dump());
    REQUIRE(type_of(*sent) == "sent");
    out.push_back({(*sent)["id"].get<std::string>(), (*sent)["seq"].get<std::int64_t>()});
  }
  return out;
}

std::string send_dm(ws_client& ws, const account& to, json body) {
  json frame{{"action", "dm"}, {"target", to.user_id}};
  frame["body"] = std::move(body);
  auto sent = ws.call(frame);
  REQUIRE_MESSAGE(sent, "no reply to dm: ", ws.error());
  INFO("reply: ", sent->dump());
  REQUIRE(type_of(*sent) == "sent");
  return (*sent)["id"].get<std::string>();
}

/// Reads `count` live "message" frames of `room` (skipping others).
std::vector<json> read_messages(ws_client& ws, const std::string& room, std::size_t count) {
  std::vector<json> out;
  auto deadline = clock_type::now() + std::chrono::seconds(10);
  while (out.size() < count) {
    auto frame
      = ws.read_until([&](const json& f) { return type_of(f) == "message" && f["room"] == room; },
                      time_left(deadline));
    if (!frame)
      break;
    out.push_back(std::move(*frame));
  }
  REQUIRE_MESSAGE(out.size() == count, "only ", out.size(), " of ", count, " messages of ", room,
                  " arrived: ", ws.error());
  for (auto& m : out)
    CHECK_MESSAGE(!m.contains("replay"), "a live frame carries replay: ", m.dump());
  return out;
}

std::vector<std::string> ids_of(const std::vector<json>& frames) {
  std::vector<std::string> out;
  for (auto& f : frames)
    out.push_back(f.value("id", std::string("?")));
  return out;
}

std::vector<std::string> ids_of(const std::vector<sent_message>& sent) {
  std::vector<std::string> out;
  for (auto& s : sent)
    out.push_back(s.id);
  return out;
}

/// Checks a replayed room message: type, room, replay flag, id and seq.
void check_replayed_message(const json& frame, const std::string& room, const sent_message& sent) {
  INFO("frame: ", frame.dump().substr(0, 300));
  CHECK(type_of(frame) == "message");
  CHECK(frame["room"] == room);
  CHECK(frame["replay"] == true);
  CHECK(frame["id"] == sent.id);
  CHECK(frame["seq"] == sent.seq);
}

} // namespace

TEST_SUITE("delivery") {

TEST_CASE("a room message delivered but not acked within ack_timeout_s is replayed") {
  server_process server{settings({{"delivery.ack_timeout_s", "2"}})};
  auto ann = make_account(server.port(), "ann_ackwait"),
       ben = make_account(server.port(), "ben_ackwait");
  auto ca = open_clean(server.port(), ann);
  std::vector<sent_message> sent;
  {
    auto cb = open_clean(server.port(), ben);
    REQUIRE(ca.call(make_frame("join", "ackwait")));
    REQUIRE(cb.call(make_frame("join", "ackwait")));
    sent = send_all(ca, "ackwait", 1);
    auto live = read_messages(cb, "ackwait", 1);
    CHECK(live[0]["id"] == sent[0].id);
    cb.close(); // without an ack
  }
  // Ben's user actor keeps the delivery in flight until its ack deadline
  // passes, then retires: only then is the replay the one that comes after
  // ack_timeout_s. Ann's user actor is the one left.
  CHECK_MESSAGE(
    poll_until([&] { return metric(server.port(), "chat_actors{kind=\"user\"}") == 1; }),
    "ben's user actor did not retire after ack_timeout_s: chat_actors{kind=\"user\"} is ",
    metric(server.port(), "chat_actors{kind=\"user\"}"));
  replay r;
  auto cb = connect_replay(server.port(), ben, r);
  INFO("ben's reconnect: ", r.describe());
  REQUIRE(!r.done.is_null());
  REQUIRE(r.frames.size() == 1);
  check_replayed_message(r.frames[0], "ackwait", sent[0]);
  CHECK(r.frames[0]["body"] == json{{"text", "hello"}, {"n", 0}});
  CHECK(r.frames[0]["from"]["user_id"] == ann.user_id);
  CHECK(r.done["count"] == 1);
}

TEST_CASE("a member offline while messages are sent catches up on reconnect without re-joining") {
  server_process server{settings()};
  auto ann = make_account(server.port(), "ann_catchup"),
       ben = make_account(server.port(), "ben_catchup");
  auto ca = open_clean(server.port(), ann);
  {
    auto cb = open_clean(server.port(), ben);
    REQUIRE(ca.call(make_frame("join", "catchup")));
    REQUIRE(cb.call(make_frame("join", "catchup")));
    cb.close();
  }
  auto sent = send_all(ca, "catchup", 20);

  replay r;
  auto cb = connect_replay(server.port(), ben, r);
  {
    INFO("ben's reconnect: ", r.describe());
    REQUIRE(!r.done.is_null());
    REQUIRE(r.frames.size() == 20);
    for (int k = 0; k < 20; ++k) {
      check_replayed_message(r.frames[k], "catchup", sent[k]);
      CHECK(r.frames[k]["body"]["n"] == k);
    }
    CHECK(r.done["count"] == 20);
  }
  // Live traffic after the replay carries no replay field and is not a duplicate.
  auto more = send_all(ca, "catchup", 1, 20);
  auto live = read_messages(cb, "catchup", 1);
  CHECK(live[0]["id"] == more[0].id);

  auto all = ids_of(sent);
  all.push_back(more[0].id);
  ack(cb, all);
  cb.close();
  auto again = open_clean(server.port(), ben);
  expect_alive(again);
}

TEST_CASE("a backlog over backlog_max is cut to the newest messages after a truncated frame") {
  server_process server{settings({{"delivery.backlog_max", "5"}})};
  auto ann = make_account(server.port(), "ann_trunc"),
       ben = make_account(server.port(), "ben_trunc");
  auto ca = open_clean(server.port(), ann);
  {
    auto cb = open_clean(server.port(), ben);
    REQUIRE(ca.call(make_frame("join", "trunc")));
    REQUIRE(cb.call(make_frame("join", "trunc")));
    cb.close();
  }
  auto sent = send_all(ca, "trunc", 12);

  replay r;
  auto cb = connect_replay(server.port(), ben, r);
  INFO("ben's reconnect: ", r.describe());
  REQUIRE(!r.done.is_null());
  REQUIRE(r.frames.size() == 6);
  auto& cut = r.frames[0];
  CHECK(type_of(cut) == "truncated");
  CHECK(cut["room"] == "trunc");
  CHECK(cut["from_seq"] == sent[7].seq);
  for (int k = 0; k < 5; ++k) {
    check_replayed_message(r.frames[1 + k], "trunc", sent[7 + k]);
    CHECK(r.frames[1 + k]["body"]["n"] == 7 + k);
  }
  CHECK(r.done["count"] == 5);
}

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

TEST_CASE("the replay sends directs first, then each room in name order, each in seq order") {
  server_process server{settings()};
  auto ann = make_account(server.port(), "ann_order"),
       ben = make_account(server.port(), "ben_order");
  const std::string channel = "@ben_order";
  std::vector<std::string> rooms{"zeta", "alpha", "mid", channel}; // joined in this order
  auto ca = open_clean(server.port(), ann);
  {
    auto cb = open_clean(server.port(), ben);
    for (auto& room : rooms) {
      REQUIRE(ca.call(make_frame("join", room)));
      if (room != channel)
        REQUIRE(cb.call(make_frame("join", room)));
    }
    cb.close();
  }
  // Interleaved while ben is offline: 3 rounds over every room plus a direct.
  std::map<std::string, std::vector<sent_message>> by_room;
  std::vector<std::string> dms;
  for (int round = 0; round < 3; ++round) {
    for (auto& room : rooms) {
      auto one = send_all(ca, room, 1, round);
      by_room[room].push_back(one[0]);
    }
    dms.push_back(send_dm(ca, ben, {{"n", round}}));
  }

  replay r;
  auto cb = connect_replay(server.port(), ben, r);
  INFO("ben's reconnect: ", r.describe());
  REQUIRE(!r.done.is_null());
  std::vector<std::string> expected = dms;
  std::vector<std::string> names{channel, "alpha", "mid", "zeta"}; // '@' sorts first
  for (auto& name : names)
    for (auto& s : by_room[name])
      expected.push_back(s.id);
  CHECK(r.ids() == expected);
  REQUIRE(r.frames.size() == expected.size());
  for (std::size_t k = 0; k < dms.size(); ++k) {
    CHECK(type_of(r.frames[k]) == "direct");
    CHECK(r.frames[k]["replay"] == true);
  }
  std::size_t k = dms.size();
  for (auto& name : names)
    for (auto& s : by_room[name])
      check_replayed_message(r.frames[k++], name, s);
  CHECK(r.done["count"] == expected.size());
}

TEST_CASE("a member who joins a room is not owed its earlier messages") {
  server_process server{settings()};
  auto ann = make_account(server.port(), "ann_late"), ben = make_account(server.port(), "ben_late");
  auto ca = open_clean(server.port(), ann);
  REQUIRE(ca.call(make_frame("join", "early")));
  send_all(ca, "early", 3);
  {
    auto cb = open_clean(server.port(), ben);
    REQUIRE(cb.call(make_frame("join", "early")));
    cb.close();
  }
  auto later = send_all(ca, "early", 1, 3);
  replay r;
  auto cb = connect_replay(server.port(), ben, r);
  INFO("ben's reconnect: ", r.describe());
  REQUIRE(!r.done.is_null());
  REQUIRE(r.frames.size() == 1);
  check_replayed_message(r.frames[0], "early", later[0]);
  CHECK(r.done["count"] == 1);
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
