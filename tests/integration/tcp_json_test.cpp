// Raw TCP transport (JSON mode) against the real server: newline-delimited
// JSON, the first line logs in or authenticates, then the WebSocket frames.
// Covers login and auth, refusals, over-long lines and garbage bytes, a
// half-close, and TCP and WebSocket users talking to each other (rooms, DMs,
// the offline backlog). The client is tests/support/tcp_client.hpp; line
// mode is tested in tcp_line_test.cpp.
#include <chrono>
#include <string>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tcp_client.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// A server with the raw TCP port on; retries if the picked port was taken
/// between free_port() and the server's bind.
struct tcp_fixture {
  std::unique_ptr<server_process> server;
  std::uint16_t tcp_port = 0;

  explicit tcp_fixture(server_process::overrides extra = {}) {
    extra["limits.messages_per_second"] = "100000";
    extra["limits.burst"] = "100000";
    server = start_with_tcp(extra, tcp_port);
    REQUIRE(server->wait_for_output("listening on tcp://127.0.0.1:" + std::to_string(tcp_port)));
  }

  std::uint16_t http_port() const { return server->port(); }

  account user(const std::string& name) { return make_account(http_port(), name); }

  /// Connects, logs in with name and password, reads welcome and the replay.
  void login(line_client& c, const account& acc, json* replayed = nullptr) {
    REQUIRE(c.connect(tcp_port));
    REQUIRE(
      c.send({{"action", "login"}, {"body", {{"name", acc.name}, {"password", acc.password}}}}));
    auto welcome = c.read();
    REQUIRE(welcome);
    REQUIRE(type_of(*welcome) == "welcome");
    CHECK((*welcome)["user_id"] == acc.user_id);
    CHECK((*welcome)["name"] == acc.name);
    auto done = c.read_type("replayed");
    REQUIRE(done);
    if (replayed)
      *replayed = *done;
  }
};

void expect_pong(line_client& c) {
  auto pong = c.call({{"action", "ping"}});
  REQUIRE(pong);
  CHECK(type_of(*pong) == "pong");
}

void expect_refused(line_client& c) {
  auto line = c.read();
  REQUIRE(line);
  CHECK(type_of(*line) == "error");
  CHECK((*line)["code"] == "unauthorized");
  CHECK((*line)["message"].is_string());
  CHECK(c.wait_closed());
}

} // namespace

TEST_SUITE("raw tcp json mode") {

TEST_CASE("a TCP user logs in, joins, sends and receives") {
  tcp_fixture f;
  auto ann = f.user("tcp_ann");
  line_client c;
  f.login(c, ann);
  CHECK(f.server->wait_for_output("transport=tcp"));
  auto joined = c.call({{"action", "join"}, {"target", "lobby"}});
  REQUIRE(joined);
  CHECK(type_of(*joined) == "joined");
  REQUIRE(
    c.send({{"action", "send"}, {"target", "lobby"}, {"body", {{"text", "hi"}}}, {"ref", "s1"}}));
  json msg, sent; // either may come first
  while (!msg.is_object() || !sent.is_object()) {
    auto frame = c.read();
    REQUIRE(frame);
    (type_of(*frame) == "message" ? msg : sent) = *frame;
  }
  CHECK(msg["room"] == "lobby");
  CHECK(msg["body"]["text"] == "hi");
  CHECK(msg["from"]["name"] == "tcp_ann");
  CHECK(type_of(sent) == "sent");
  CHECK(sent["ref"] == "s1");
  CHECK(sent["id"] == msg["id"]);
}

TEST_CASE("a TCP connection authenticates with a token from HTTP /login") {
  tcp_fixture f;
  auto ben = f.user("tcp_ben");
  line_client c;
  REQUIRE(c.connect(f.tcp_port));
  REQUIRE(c.send({{"action", "auth"}, {"body", {{"token", ben.token}}}}));
  auto welcome = c.read();
  REQUIRE(welcome);
  CHECK(type_of(*welcome) == "welcome");
  CHECK((*welcome)["user_id"] == ben.user_id);
  CHECK((*welcome)["channel"] == "@tcp_ben");
  expect_pong(c);
}

TEST_CASE("a wrong password or a bad token gets unauthorized and is closed") {
  tcp_fixture f;
  auto cat = f.user("tcp_cat");
  line_client c1;
  REQUIRE(c1.connect(f.tcp_port));
  REQUIRE(c1.send(
    {{"action", "login"}, {"body", {{"name", "tcp_cat"}, {"password", "wrong-password"}}}}));
  expect_refused(c1);
  line_client c2;
  REQUIRE(c2.connect(f.tcp_port));
  REQUIRE(c2.send({{"action", "auth"}, {"body", {{"token", cat.token + "x"}}}}));
  expect_refused(c2);
}

TEST_CASE("a first line that is not login or auth gets unauthorized and is closed") {
  tcp_fixture f;
  for (std::string first : {R"({"action":"ping"})", R"({"action":"login"})",
                            R"({"action":"auth","body":{"token":7}})", "not json", "[1,2]"}) {
    CAPTURE(first);
    line_client c;
    REQUIRE(c.connect(f.tcp_port));
    REQUIRE(c.send_raw(first + "\n"));
    expect_refused(c);
  }
}

TEST_CASE("an over-long line gets too_large and the connection still works") {
  tcp_fixture f{{{"limits.max_frame_bytes", "1024"}}};
  auto dan = f.user("tcp_dan");
  line_client c;
  f.login(c, dan);
  for (std::size_t size : {2000u, 200000u}) { // in one read, and across many
    CAPTURE(size);
    REQUIRE(c.send_raw(std::string(size, 'x') + "\n"));
    auto err = c.read();
    REQUIRE(err);
    CHECK(type_of(*err) == "error");
    CHECK((*err)["code"] == "too_large");
    expect_pong(c);
  }
}

TEST_CASE("garbage bytes get bad_request and the connection still works") {
  tcp_fixture f;
  auto eve = f.user("tcp_eve");
  line_client c;
  f.login(c, eve);
  std::string garbage[] = {std::string("\xff\xfe\x00\x01\x80garbage", 12),
                           "{\"action\":\"\xc3\x28\"}", std::string("\x00\x00\x00", 3)};
  for (auto& bytes : garbage) {
    REQUIRE(c.send_raw(bytes + "\n"));
    auto err = c.read();
    REQUIRE(err);
    CHECK(type_of(*err) == "error");
    CHECK((*err)["code"] == "bad_request");
  }
  expect_pong(c);
}

TEST_CASE("a half-closed connection still gets the pong, then ends") {
  tcp_fixture f;
  auto fay = f.user("tcp_fay");
  line_client c;
  f.login(c, fay);
  REQUIRE(c.send({{"action", "ping"}, {"ref", "last"}}));
  c.shutdown_write();
  auto pong = c.read_type("pong");
  REQUIRE(pong);
  CHECK((*pong)["ref"] == "last");
  CHECK(c.wait_closed());
  CHECK(f.server->wait_for_output("disconnect"));
}

TEST_CASE("a TCP user and a WebSocket user in one room see each other's messages") {
  tcp_fixture f;
  auto gil = f.user("tcp_gil");
  auto hal = f.user("ws_hal");
  line_client t;
  f.login(t, gil);
  auto w = open_session(f.http_port(), hal.token);
  REQUIRE(t.call({{"action", "join"}, {"target", "mixed"}}));
  REQUIRE(w.call(make_frame("join", "mixed")));
  REQUIRE(t.send({{"action", "send"}, {"target", "mixed"}, {"body", {{"text", "from tcp"}}}}));
  auto at_ws = w.read_until(
    [](const json& m) { return type_of(m) == "message" && m["body"]["text"] == "from tcp"; });
  REQUIRE(at_ws);
  CHECK((*at_ws)["from"]["user_id"] == gil.user_id);
  REQUIRE(w.send(make_frame("send", "mixed", {{"text", "from ws"}})));
  json at_tcp;
  while (auto m = t.read_type("message")) {
    if ((*m)["body"]["text"] == "from ws") {
      at_tcp = *m;
      break;
    }
  }
  REQUIRE(at_tcp.is_object());
  CHECK(at_tcp["from"]["user_id"] == hal.user_id);
}

TEST_CASE("a direct message goes from TCP to WebSocket and back") {
  tcp_fixture f;
  auto ida = f.user("tcp_ida");
  auto jon = f.user("ws_jon");
  line_client t;
  f.login(t, ida);
  auto w = open_session(f.http_port(), jon.token);
  auto sent = t.call({{"action", "dm"}, {"target", jon.user_id}, {"body", {{"text", "psst"}}}});
  REQUIRE(sent);
  CHECK(type_of(*sent) == "sent");
  auto at_ws = w.read_type("direct");
  REQUIRE(at_ws);
  CHECK((*at_ws)["from"]["user_id"] == ida.user_id);
  CHECK((*at_ws)["body"]["text"] == "psst");
  REQUIRE(w.call(make_frame("dm", ida.user_id, {{"text", "back"}})));
  auto at_tcp = t.read_type("direct");
  REQUIRE(at_tcp);
  CHECK((*at_tcp)["from"]["user_id"] == jon.user_id);
  CHECK((*at_tcp)["body"]["text"] == "back");
}

TEST_CASE("a TCP user who was offline gets its backlog on the next login") {
  tcp_fixture f;
  auto kim = f.user("tcp_kim");
  auto lou = f.user("ws_lou");
  {
    line_client t;
    f.login(t, kim);
    REQUIRE(t.call({{"action", "join"}, {"target", "backlog"}}));
  }
  auto w = open_session(f.http_port(), lou.token);
  REQUIRE(w.call(make_frame("join", "backlog")));
  REQUIRE(w.call(make_frame("send", "backlog", {{"text", "one"}})));
  REQUIRE(w.call(make_frame("send", "backlog", {{"text", "two"}})));
  REQUIRE(w.call(make_frame("dm", kim.user_id, {{"text", "dm"}})));
  line_client t;
  REQUIRE(t.connect(f.tcp_port));
  REQUIRE(
    t.send({{"action", "login"}, {"body", {{"name", kim.name}, {"password", kim.password}}}}));
  auto welcome = t.read();
  REQUIRE(welcome);
  REQUIRE(type_of(*welcome) == "welcome");
  std::vector<json> replayed;
  json done;
  while (auto frame = t.read()) {
    if (type_of(*frame) == "replayed") {
      done = *frame;
      break;
    }
    replayed.push_back(*frame);
  }
  REQUIRE(done.is_object());
  REQUIRE(replayed.size() == 3);
  CHECK(done["count"] == 3);
  CHECK(type_of(replayed[0]) == "direct");
  CHECK(replayed[1]["body"]["text"] == "one");
  CHECK(replayed[2]["body"]["text"] == "two");
  for (auto& frame : replayed)
    CHECK(frame["replay"] == true);
}

} // TEST_SUITE("raw tcp json mode")
