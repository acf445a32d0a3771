// WebSocket actions against the real server over real sockets: welcome, the
// user's own channel, join, leave, send, and a room where several users (one
// with two connections) all receive each other's messages. Queries are in
// websocket_query_test.cpp, errors in websocket_errors_test.cpp, tokens and
// shutdown in websocket_session_test.cpp.
#include <chrono>
#include <map>
#include <set>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_checks.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

namespace {

/// Reads until one frame of each of `types` arrived, skipping others.
std::map<std::string, json> collect(ws_client& ws, const std::set<std::string>& types) {
  std::map<std::string, json> got;
  while (got.size() < types.size()) {
    auto frame = ws.read_until(
      [&](const json& f) { return types.count(type_of(f)) > 0 && got.count(type_of(f)) == 0; });
    if (!frame)
      break;
    got[type_of(*frame)] = *frame;
  }
  return got;
}

/// A live "message" frame: the stored fields plus its type.
void check_message(const json& msg, const std::string& room, const account& from,
                   const json& body) {
  CHECK(msg["type"] == "message");
  check_stored_message(msg, room, from, body);
}

} // namespace

TEST_SUITE("websocket actions") {

TEST_CASE_FIXTURE(ws_fixture, "the first frame is a welcome naming the user") {
  auto alice = user("alice_welcome");
  json w1, w2;
  auto c1 = open_session(server.port(), alice.token, &w1);
  auto c2 = open_session(server.port(), alice.token, &w2);
  CHECK(w1["user_id"] == alice.user_id);
  CHECK(w1["user_id"].get<std::string>().size() == 16);
  CHECK(w1["name"] == "alice_welcome");
  CHECK(w1["channel"] == "@alice_welcome");
  REQUIRE(w1.contains("connection_id"));
  CHECK(!w1["connection_id"].is_null());
  CHECK(w1["connection_id"] != w2["connection_id"]);
}

TEST_CASE_FIXTURE(ws_fixture, "a user is already a member of its own channel") {
  auto amy = user("amy_chan"), bob = user("bob_chan");
  auto ca = open(amy), cb = open(bob);
  auto who = ca.call(make_frame("who", "@amy_chan"));
  REQUIRE(who);
  CHECK((*who)["type"] == "members");
  CHECK(find_member((*who)["members"], amy.user_id)["online"] == true);
  auto sent = ca.call(make_frame("send", "@amy_chan", {{"text", "mine"}}));
  REQUIRE(sent);
  CHECK((*sent)["type"] == "sent");
  // Anyone may join a channel and post there.
  auto joined = cb.call(make_frame("join", "@amy_chan"));
  REQUIRE(joined);
  CHECK((*joined)["type"] == "joined");
  REQUIRE(cb.call(make_frame("send", "@amy_chan", {{"text", "visitor"}})));
  auto msg = ca.read_until(
    [](const json& f) { return type_of(f) == "message" && f["body"]["text"] == "visitor"; });
  REQUIRE(msg);
  check_message(*msg, "@amy_chan", bob, {{"text", "visitor"}});
}

TEST_CASE_FIXTURE(ws_fixture, "join answers the member list and tells the others") {
  auto ann = user("ann_join"), ben = user("ben_join");
  auto ca = open(ann), cb = open(ben);
  auto ja = ca.call(make_frame("join", "lobby"));
  REQUIRE(ja);
  CHECK((*ja)["type"] == "joined");
  CHECK((*ja)["room"] == "lobby");
  CHECK((*ja)["members"].size() == 1);
  CHECK(find_member((*ja)["members"], ann.user_id)["online"] == true);
  auto jb = cb.call(make_frame("join", "lobby"));
  REQUIRE(jb);
  CHECK((*jb)["type"] == "joined");
  CHECK((*jb)["members"].size() == 2);
  CHECK(find_member((*jb)["members"], ann.user_id)["online"] == true);
  CHECK(find_member((*jb)["members"], ben.user_id)["name"] == "ben_join");
  auto presence = ca.read_type("presence");
  REQUIRE(presence);
  CHECK((*presence)["room"] == "lobby");
  CHECK((*presence)["event"] == "join");
  CHECK((*presence)["user"]["user_id"] == ben.user_id);
  CHECK((*presence)["user"]["name"] == "ben_join");
}

TEST_CASE_FIXTURE(ws_fixture, "joining a room twice answers joined without presence") {
  auto ann = user("ann_twice"), ben = user("ben_twice");
  auto ca = open(ann), cb = open(ben);
  REQUIRE(ca.call(make_frame("join", "lobby")));
  REQUIRE(cb.call(make_frame("join", "lobby")));
  REQUIRE(ca.read_type("presence"));
  auto again = cb.call(make_frame("join", "lobby"));
  REQUIRE(again);
  CHECK((*again)["type"] == "joined");
  CHECK((*again)["members"].size() == 2);
  for (auto& frame : ca.drain(std::chrono::milliseconds(500)))
    CHECK_MESSAGE(type_of(frame) != "presence", frame.dump());
}

TEST_CASE_FIXTURE(ws_fixture, "leave answers left and tells the others") {
  auto ann = user("ann_leave"), ben = user("ben_leave");
  auto ca = open(ann), cb = open(ben);
  REQUIRE(ca.call(make_frame("join", "lobby")));
  REQUIRE(cb.call(make_frame("join", "lobby")));
  REQUIRE(ca.read_type("presence"));
  auto left = cb.call(make_frame("leave", "lobby"));
  REQUIRE(left);
  CHECK((*left)["type"] == "left");
  CHECK((*left)["room"] == "lobby");
  auto presence = ca.read_type("presence");
  REQUIRE(presence);
  CHECK((*presence)["event"] == "leave");
  CHECK((*presence)["user"]["user_id"] == ben.user_id);
  auto who = ca.call(make_frame("who", "lobby"));
  REQUIRE(who);
  CHECK((*who)["members"].size() == 1);
  CHECK(find_member((*who)["members"], ben.user_id).is_null());
}

TEST_CASE_FIXTURE(ws_fixture, "send reaches every member and the sender with seq +1") {
  std::vector<account> users{user("ann_send"), user("ben_send"), user("cat_send")};
  std::vector<ws_client> conns;
  for (auto& u : users) {
    conns.push_back(open(u));
    REQUIRE(conns.back().call(make_frame("join", "plaza")));
  }
  std::int64_t first_seq = 0;
  for (std::size_t i = 0; i < users.size(); ++i) {
    json body{{"text", "hello from " + users[i].name}, {"n", i}};
    auto frame = make_frame("send", "plaza", body);
    frame["ref"] = "m" + std::to_string(i);
    REQUIRE(conns[i].send(frame));
    auto own = collect(conns[i], {"sent", "message"}); // either order
    REQUIRE(own.size() == 2);
    auto sent = own["sent"];
    CHECK(sent["ref"] == frame["ref"]);
    for (std::size_t c = 0; c < conns.size(); ++c) {
      auto msg = c == i ? std::optional<json>(own["message"]) : conns[c].read_type("message");
      REQUIRE(msg);
      check_message(*msg, "plaza", users[i], body);
      CHECK((*msg)["id"] == sent["id"]);
      CHECK((*msg)["seq"] == sent["seq"]);
      if (i == 0)
        first_seq = sent["seq"].get<std::int64_t>();
      CHECK((*msg)["seq"] == first_seq + static_cast<std::int64_t>(i));
    }
  }
}

TEST_CASE_FIXTURE(ws_fixture, "several users in one room all receive each other's messages") {
  constexpr int per_user = 5;
  std::vector<account> users{user("u1_fan"), user("u2_fan"), user("u3_fan"), user("u4_fan")};
  std::vector<ws_client> conns; // users[i] on conns[i]; users[3] also on conns[4]
  for (auto& u : users)
    conns.push_back(open(u));
  conns.push_back(open(users[3]));
  for (std::size_t i = 0; i < users.size(); ++i)
    REQUIRE(conns[i].call(make_frame("join", "fanout")));
  for (int n = 0; n < per_user; ++n)
    for (std::size_t i = 0; i < users.size(); ++i)
      REQUIRE(conns[i].send(make_frame("send", "fanout", {{"from", i}, {"n", n}})));
  const std::size_t total = users.size() * per_user;
  for (std::size_t c = 0; c < conns.size(); ++c) {
    CAPTURE(c);
    std::set<std::string> ids;
    std::vector<std::int64_t> seqs;
    std::set<std::pair<int, int>> bodies;
    while (seqs.size() < total) {
      auto msg = conns[c].read_type("message");
      REQUIRE_MESSAGE(msg, "got only ", seqs.size(), " messages");
      ids.insert((*msg)["id"].get<std::string>());
      seqs.push_back((*msg)["seq"].get<std::int64_t>());
      bodies.emplace((*msg)["body"]["from"].get<int>(), (*msg)["body"]["n"].get<int>());
    }
    CHECK(ids.size() == total);
    CHECK(bodies.size() == total);
    for (std::size_t k = 1; k < seqs.size(); ++k)
      CHECK(seqs[k] == seqs[k - 1] + 1);
    for (auto& frame : conns[c].drain(std::chrono::milliseconds(200)))
      CHECK_MESSAGE(type_of(frame) != "message", "extra copy: ", frame.dump());
  }
}

} // TEST_SUITE("websocket actions")
