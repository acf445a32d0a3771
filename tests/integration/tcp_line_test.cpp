// Raw TCP line mode against the real server: a first line
// {"name","password","room"} logs in and joins, then plain text and "/"
// commands go in and readable lines come out. Covers sending and receiving
// with a WebSocket user, /dm, /who, /join, an unknown command, a refused
// login, and that shown messages are acked. The client is
// tests/support/tcp_client.hpp.
#include <chrono>
#include <functional>
#include <string>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/poll.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tcp_client.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// Lines until one satisfies `pred`; nullopt on timeout or EOF.
std::optional<std::string> wait_line(line_client& c,
                                     const std::function<bool(const std::string&)>& pred) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (auto line = c.read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
           deadline - std::chrono::steady_clock::now())))
    if (pred(*line))
      return line;
  return std::nullopt;
}

std::optional<std::string> wait_for(line_client& c, const std::string& exact) {
  return wait_line(c, [&](const std::string& l) { return l == exact; });
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

/// A server with the raw TCP port on (as in tcp_json_test.cpp).
struct line_fixture {
  std::unique_ptr<server_process> server;
  std::uint16_t tcp_port = 0;

  line_fixture() {
    server_process::overrides extra;
    extra["limits.messages_per_second"] = "100000";
    extra["limits.burst"] = "100000";
    server = start_with_tcp(extra, tcp_port);
    REQUIRE(server->wait_for_output("listening on tcp://127.0.0.1:" + std::to_string(tcp_port)));
  }

  std::uint16_t http_port() const { return server->port(); }

  account user(const std::string& name) { return make_account(http_port(), name); }

  /// Connects in line mode into `room`; reads up to the "joined" line.
  void login(line_client& c, const account& acc, const std::string& room) {
    REQUIRE(c.connect(tcp_port));
    REQUIRE(c.send({{"name", acc.name}, {"password", acc.password}, {"room", room}}));
    auto welcome = c.read_line();
    REQUIRE(welcome);
    CHECK(*welcome == "welcome " + acc.name + " (channel @" + acc.name + ")");
    REQUIRE(wait_line(c, [&](const std::string& l) { return l.rfind("joined " + room, 0) == 0; }));
  }
};

} // namespace

TEST_SUITE("raw tcp line mode") {

TEST_CASE("a line-mode login joins the room and plain lines reach a WebSocket member") {
  line_fixture f;
  auto ann = f.user("ln_ann");
  auto bob = f.user("ws_bob");
  auto w = open_session(f.http_port(), bob.token);
  REQUIRE(w.call(make_frame("join", "devroom")));
  line_client t;
  f.login(t, ann, "devroom");
  auto joined_at_ws = w.read_until(
    [](const json& m) { return type_of(m) == "presence" && m["user"]["name"] == "ln_ann"; });
  REQUIRE(joined_at_ws);
  REQUIRE(t.send_raw("hello from nc\r\n"));
  auto at_ws = w.read_type("message");
  REQUIRE(at_ws);
  CHECK((*at_ws)["room"] == "devroom");
  CHECK((*at_ws)["body"] == json{{"text", "hello from nc"}});
  CHECK((*at_ws)["from"]["user_id"] == ann.user_id);
  CHECK(wait_for(t, "[devroom] ln_ann: hello from nc"));
}

TEST_CASE("a WebSocket member's message shows as a line") {
  line_fixture f;
  auto cat = f.user("ln_cat");
  auto dan = f.user("ws_dan");
  line_client t;
  f.login(t, cat, "lounge");
  auto w = open_session(f.http_port(), dan.token);
  REQUIRE(w.call(make_frame("join", "lounge")));
  CHECK(wait_for(t, "* ws_dan joined lounge"));
  REQUIRE(w.call(make_frame("send", "lounge", {{"text", "hi there"}})));
  CHECK(wait_for(t, "[lounge] ws_dan: hi there"));
}

TEST_CASE("/dm reaches a WebSocket user by name and a DM back shows as [dm]") {
  line_fixture f;
  auto eve = f.user("ln_eve");
  auto fay = f.user("ws_fay");
  line_client t;
  f.login(t, eve, "dms");
  auto w = open_session(f.http_port(), fay.token);
  REQUIRE(t.send_raw("/dm ws_fay psst, over here\n"));
  auto at_ws = w.read_type("direct");
  REQUIRE(at_ws);
  CHECK((*at_ws)["from"]["user_id"] == eve.user_id);
  CHECK((*at_ws)["to"] == fay.user_id);
  CHECK((*at_ws)["body"]["text"] == "psst, over here");
  REQUIRE(w.call(make_frame("dm", eve.user_id, {{"text", "back"}})));
  CHECK(wait_for(t, "[dm] ws_fay: back"));
  REQUIRE(t.send_raw("/dm nobody_here hi\n"));
  auto err = wait_line(t, [](const std::string& l) { return starts_with(l, "! "); });
  REQUIRE(err);
  CHECK(starts_with(*err, "! unknown_user: "));
}

TEST_CASE("/who lists the current room and /join changes it") {
  line_fixture f;
  auto gil = f.user("ln_gil");
  auto hal = f.user("ws_hal");
  auto w = open_session(f.http_port(), hal.token);
  REQUIRE(w.call(make_frame("join", "first")));
  REQUIRE(w.call(make_frame("join", "second")));
  line_client t;
  f.login(t, gil, "first");
  REQUIRE(t.send_raw("/who\n"));
  auto who = wait_line(t, [](const std::string& l) { return starts_with(l, "first: "); });
  REQUIRE(who);
  CHECK(who->find("ln_gil*") != std::string::npos);
  CHECK(who->find("ws_hal*") != std::string::npos);
  REQUIRE(t.send_raw("/join second\n"));
  CHECK(wait_for(t, "joined second (2 members)"));
  REQUIRE(t.send_raw("in second\n"));
  auto at_ws = w.read_until(
    [](const json& m) { return type_of(m) == "message" && m["body"]["text"] == "in second"; });
  REQUIRE(at_ws);
  CHECK((*at_ws)["room"] == "second");
  REQUIRE(t.send_raw("/rooms\n"));
  auto rooms = wait_line(t, [](const std::string& l) { return starts_with(l, "rooms:"); });
  REQUIRE(rooms);
  CHECK(rooms->find("second (2)") != std::string::npos);
  REQUIRE(t.send_raw("/rooms all\n")); // every room, not a page of them
  auto all = wait_line(t, [](const std::string& l) { return starts_with(l, "rooms:"); });
  REQUIRE(all);
  CHECK(all->find("second (2)") != std::string::npos);
  CHECK(all->find("more:") == std::string::npos);
}

TEST_CASE("a wrong password gets an error line and the connection is closed") {
  line_fixture f;
  auto ida = f.user("ln_ida");
  line_client t;
  REQUIRE(t.connect(f.tcp_port));
  REQUIRE(t.send({{"name", ida.name}, {"password", "wrong-password"}, {"room", "x"}}));
  auto line = t.read_line();
  REQUIRE(line);
  CHECK(starts_with(*line, "! unauthorized: "));
  CHECK(t.wait_closed());
}

TEST_CASE("an unknown command gets an error line and the connection stays usable") {
  line_fixture f;
  auto jon = f.user("ln_jon");
  line_client t;
  f.login(t, jon, "cmds");
  REQUIRE(t.send_raw("/frobnicate now\n"));
  auto err = t.read_line();
  REQUIRE(err);
  CHECK(starts_with(*err, "! bad_request: unknown command /frobnicate"));
  REQUIRE(t.send_raw("/history\n"));
  CHECK(wait_for(t, "(no history in cmds)"));
  REQUIRE(t.send_raw("/quit\n"));
  CHECK(t.wait_closed());
}

TEST_CASE("messages shown in line mode are acked and not replayed") {
  line_fixture f;
  auto kim = f.user("ln_kim");
  auto lou = f.user("ws_lou");
  auto w = open_session(f.http_port(), lou.token);
  REQUIRE(w.call(make_frame("join", "acks")));
  {
    line_client t;
    f.login(t, kim, "acks");
    REQUIRE(w.call(make_frame("send", "acks", {{"text", "one"}})));
    REQUIRE(w.call(make_frame("send", "acks", {{"text", "two"}})));
    REQUIRE(w.call(make_frame("dm", kim.user_id, {{"text", "dm"}})));
    CHECK(wait_for(t, "[acks] ws_lou: one"));
    CHECK(wait_for(t, "[acks] ws_lou: two"));
    CHECK(wait_for(t, "[dm] ws_lou: dm"));
    // The acks go out after the write: wait until the server counted the
    // three (kim's line session is the only one that acks here).
    CHECK_MESSAGE(poll_until([&] { return metric(f.http_port(), "chat_acks_total") == 3; }),
                  "the line session's acks did not reach the server: chat_acks_total is ",
                  metric(f.http_port(), "chat_acks_total"));
  }
  // JSON mode reports what is owed without acking it.
  json replayed;
  auto nothing_owed = [&] {
    line_client c;
    REQUIRE(c.connect(f.tcp_port));
    REQUIRE(
      c.send({{"action", "login"}, {"body", {{"name", kim.name}, {"password", kim.password}}}}));
    auto done = c.read_type("replayed");
    REQUIRE(done);
    replayed = *done;
    return replayed["count"] == 0;
  };
  poll_until(nothing_owed, 2s, 200ms);
  CHECK(replayed["count"] == 0);
}

TEST_CASE_FIXTURE(line_fixture, "line mode: over-long lines, garbage bytes and a half-close") {
  auto amy = user("amy_rough");
  line_client c;
  login(c, amy, "rough");
  // Longer than max_frame_bytes (65536): an error line, then the session goes on.
  REQUIRE(c.send_raw(std::string(70000, 'x') + "\n"));
  auto too_long = wait_line(c, [](const std::string& l) { return starts_with(l, "! "); });
  REQUIRE(too_long);
  CHECK(too_long->find("too_large") != std::string::npos);
  // Bytes that are not UTF-8 are sent as text (invalid bytes replaced), never a crash.
  REQUIRE(c.send_raw(std::string("\xff\xfe bin\x01ary\n")));
  REQUIRE(c.send_raw("/who\n"));
  auto who = wait_line(c, [](const std::string& l) { return starts_with(l, "rough: "); });
  REQUIRE(who);
  CHECK(who->find("amy_rough") != std::string::npos);
  // Half-close: what was asked before still gets its answer.
  REQUIRE(c.send_raw("/rooms\n"));
  c.shutdown_write();
  auto rooms
    = wait_line(c, [](const std::string& l) { return l.find("rough") != std::string::npos; });
  CHECK(rooms);
  CHECK(c.wait_closed());
}

} // TEST_SUITE("raw tcp line mode")
