// Replay against the real server: on every connect, right after "welcome",
// the server replays what the user has not acked (unacked directs in id
// order, then every room's messages after the user's last ack there, rooms
// in name order, each frame with "replay": true), then sends
// {"type":"replayed","count"}. Covered here: replay after the ack timeout,
// room catch-up without re-joining, backlog truncation ([delivery]
// backlog_max), the replay order, and a late joiner owed nothing earlier.
// Acks are tested in delivery_ack_test.cpp.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/integration/delivery_checks.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/poll.hpp"
#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

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

} // TEST_SUITE("delivery")
