// Restart on the same folder and database: accounts, tokens, rooms with their
// options, memberships and history survive a clean stop (SIGTERM, exit 0), a
// room's seq continues at last + 1, and messages acknowledged with "sent"
// survive even kill -9.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

namespace {

server_process::overrides no_rate_limit() {
  return {{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}};
}

/// Stops with SIGTERM (expecting exit 0) and starts again on the same db.
void clean_restart(server_process& server) {
  INFO("server output:\n", server.output());
  REQUIRE(server.stop() == 0);
  server.restart();
}

/// Sends `count` messages to `room` and returns the acknowledged seqs.
std::vector<std::int64_t> send_all(ws_client& ws, const std::string& room, int count) {
  for (int n = 0; n < count; ++n)
    REQUIRE(ws.send(make_frame("send", room, {{"n", n}})));
  std::vector<std::int64_t> seqs;
  for (int n = 0; n < count; ++n) {
    auto sent = ws.read_type("sent");
    REQUIRE_MESSAGE(sent, "only ", n, " of ", count, " acknowledged");
    seqs.push_back((*sent)["seq"].get<std::int64_t>());
  }
  return seqs;
}

} // namespace

TEST_SUITE("restart") {

TEST_CASE("accounts and tokens survive a restart") {
  server_process server;
  auto ann = make_account(server.port(), "ann_restart");
  clean_restart(server);
  auto port = server.port();
  json creds{{"name", ann.name}, {"password", ann.password}};
  auto res = request(port, "POST", "/login", creds.dump());
  CHECK(res.status == 200);
  CHECK(res.json()["user_id"] == ann.user_id);
  creds["password"] = "not-the-password";
  CHECK(request(port, "POST", "/login", creds.dump()).status == 401);
  CHECK(
    request(port, "POST", "/register", json{{"name", ann.name}, {"password", "password456"}}.dump())
      .status
    == 409);
  ws_client ws;
  CHECK(ws.connect(port, "/ws?token=" + ann.token) == 101);
  auto welcome = ws.read();
  REQUIRE(welcome);
  CHECK((*welcome)["user_id"] == ann.user_id);
}

TEST_CASE("rooms, their options and memberships survive a restart") {
  server_process server{no_rate_limit()};
  auto ann = make_account(server.port(), "ann_rooms_r");
  auto ben = make_account(server.port(), "ben_rooms_r");
  {
    auto ca = open_session(server.port(), ann.token);
    auto cb = open_session(server.port(), ben.token);
    REQUIRE(ca.call(make_frame("join", "club")));
    REQUIRE(cb.call(make_frame("join", "club")));
    REQUIRE(ca.call(make_frame("join", "vault", {{"private", true}, {"key", "k9"}})));
    REQUIRE(ca.call(make_frame("join", "tiny", {{"max_members", 2}})));
    REQUIRE(cb.call(make_frame("join", "tiny")));
  }
  clean_restart(server);
  auto port = server.port();
  auto cat = make_account(port, "cat_rooms_r");
  auto ca = open_session(port, ann.token);
  auto cc = open_session(port, cat.token);
  auto who = ca.call(make_frame("who", "club"));
  REQUIRE(who);
  CHECK((*who)["members"].size() == 2);
  CHECK(find_member((*who)["members"], ann.user_id)["online"] == true);
  CHECK(find_member((*who)["members"], ben.user_id)["online"] == false);
  auto rooms = cc.call(make_frame("rooms"));
  REQUIRE(rooms);
  bool club_listed = false;
  for (auto& r : (*rooms)["rooms"]) {
    CHECK(r["name"] != "vault");
    if (r["name"] == "club") {
      club_listed = true;
      CHECK(r["members"] == 2);
    }
  }
  CHECK(club_listed);
  auto no_key = cc.call(make_frame("join", "vault"));
  REQUIRE(no_key);
  CHECK((*no_key)["code"] == "forbidden");
  auto full = cc.call(make_frame("join", "tiny"));
  REQUIRE(full);
  CHECK((*full)["code"] == "room_full");
  auto with_key = cc.call(make_frame("join", "vault", {{"key", "k9"}}));
  REQUIRE(with_key);
  CHECK((*with_key)["type"] == "joined");
  auto cb = open_session(port, ben.token);
  auto sent = cb.call(make_frame("send", "club", {{"text", "back again"}}));
  REQUIRE(sent);
  CHECK((*sent)["type"] == "sent");
  auto msg = ca.read_type("message");
  REQUIRE(msg);
  CHECK((*msg)["body"]["text"] == "back again");
}

TEST_CASE("history survives a restart and seq continues at last + 1") {
  server_process server{no_rate_limit()};
  auto ann = make_account(server.port(), "ann_journal");
  std::vector<std::int64_t> before;
  {
    auto ca = open_session(server.port(), ann.token);
    REQUIRE(ca.call(make_frame("join", "journal")));
    before = send_all(ca, "journal", 3);
  }
  REQUIRE(before.size() == 3);
  clean_restart(server);
  auto res = request(server.port(), "GET", "/history?room=journal&page=0", "", bearer(ann.token));
  REQUIRE(res.status == 200);
  auto page = res.json();
  REQUIRE(page["messages"].size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(page["messages"][k]["seq"] == before[k]);
    CHECK(page["messages"][k]["body"]["n"] == k);
    CHECK(page["messages"][k]["from"]["user_id"] == ann.user_id);
  }
  CHECK(page["has_more"] == false);
  auto ca = open_session(server.port(), ann.token);
  auto after = send_all(ca, "journal", 1);
  REQUIRE(after.size() == 1);
  CHECK(after[0] == before.back() + 1);
}

TEST_CASE("messages acknowledged as sent survive kill -9") {
  server_process server{no_rate_limit()};
  auto ann = make_account(server.port(), "ann_durable");
  std::vector<std::int64_t> acked;
  {
    auto ca = open_session(server.port(), ann.token);
    REQUIRE(ca.call(make_frame("join", "durable")));
    acked = send_all(ca, "durable", 20);
    server.kill9();
  }
  REQUIRE(acked.size() == 20);
  server.restart();
  auto res = request(server.port(), "GET", "/history?room=durable&page=0", "", bearer(ann.token));
  REQUIRE(res.status == 200);
  auto messages = res.json()["messages"];
  REQUIRE(messages.size() == 20);
  for (std::size_t k = 0; k < 20; ++k)
    CHECK(messages[k]["seq"] == acked[k]);
  auto ca = open_session(server.port(), ann.token);
  auto next = send_all(ca, "durable", 1);
  REQUIRE(next.size() == 1);
  CHECK(next[0] == acked.back() + 1);
}

} // TEST_SUITE("restart")
