// WebSocket session lifetime against the real server: upgrades refused with
// 401 (missing, bad, logged-out or expired token), logout closing that
// token's sockets, a token expiring while connected (token_ttl_s = 2), and
// SIGTERM / SIGINT closing every socket with a close frame before exit 0.
#include <chrono>
#include <csignal>
#include <future>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

namespace {

/// Connects on `loop` and consumes the welcome frame.
void connect_on(ws_client& ws, std::uint16_t port, const std::string& token) {
  REQUIRE(ws.connect(port, "/ws?token=" + token) == 101);
  auto welcome = ws.read();
  REQUIRE(welcome);
  REQUIRE(type_of(*welcome) == "welcome");
}

/// Stops the server with `signal` while both clients read; checks that each
/// got a close frame and that the exit code is 0.
void check_signal_shutdown(int signal, const std::string& prefix) {
  server_process server;
  INFO("server output:\n", server.output()); // evaluated on failure
  auto ann = make_account(server.port(), prefix + "_ann");
  auto ben = make_account(server.port(), prefix + "_ben");
  io_loop loop; // one loop: waiting on one client also answers the other
  ws_client ca(loop), cb(loop);
  connect_on(ca, server.port(), ann.token);
  connect_on(cb, server.port(), ben.token);
  REQUIRE(ca.call(make_frame("join", "lobby")));
  REQUIRE(cb.call(make_frame("join", "lobby")));
  auto exit_code = std::async(std::launch::async, [&] { return server.stop(signal); });
  CHECK(ca.wait_closed(std::chrono::seconds(20)));
  CHECK(cb.wait_closed(std::chrono::seconds(20)));
  CHECK(exit_code.get() == 0);
  for (auto* ws : {&ca, &cb}) {
    REQUIRE(ws->close_code().has_value());
    CHECK_MESSAGE(*ws->close_code() != 1006, "closed without a close frame");
  }
}

} // namespace

TEST_SUITE("websocket sessions") {

TEST_CASE("an upgrade without a valid token is refused with 401") {
  server_process server;
  auto ann = make_account(server.port(), "ann_refused");
  for (std::string target :
       {std::string("/ws"), std::string("/ws?token="), std::string("/ws?token=not-a-token"),
        "/ws?token=" + ann.token + "x"}) {
    ws_client ws;
    CHECK_MESSAGE(ws.connect(server.port(), target) == 401, target);
    CHECK_FALSE(ws.is_open());
  }
  ws_client ok;
  CHECK(ok.connect(server.port(), "/ws?token=" + ann.token) == 101);
}

TEST_CASE("logout closes the sockets of that token only") {
  server_process server;
  auto port = server.port();
  auto ann = make_account(port, "ann_logout");
  auto other_token = login(port, "ann_logout", ann.password);
  auto c1 = open_session(port, ann.token);
  auto c2 = open_session(port, other_token);
  auto res = request(port, "POST", "/logout", "", bearer(ann.token));
  CHECK(res.status == 204);
  CHECK(c1.wait_closed());
  expect_alive(c2);
  ws_client again;
  CHECK(again.connect(port, "/ws?token=" + ann.token) == 401);
  ws_client still;
  CHECK(still.connect(port, "/ws?token=" + other_token) == 101);
}

TEST_CASE("an expired token is refused at upgrade with 401") {
  server_process server{{{"auth.token_ttl_s", "2"}}};
  const std::string password = "password123";
  register_user(server.port(), "ann_expired", password);
  auto res = request(server.port(), "POST", "/login",
                     json{{"name", "ann_expired"}, {"password", password}}.dump());
  auto answered = std::chrono::steady_clock::now();
  REQUIRE(res.status == 200);
  auto lifetime = std::chrono::seconds(res.json()["expires_in"].get<int>());
  CHECK(lifetime == std::chrono::seconds(2));
  // Expiry is what is checked here, so this sleeps the lifetime the login
  // advertised, counted from its answer (the token was made before it).
  std::this_thread::sleep_until(answered + lifetime);
  ws_client ws;
  CHECK(ws.connect(server.port(), "/ws?token=" + res.json()["token"].get<std::string>()) == 401);
  auto fresh = login(server.port(), "ann_expired", password);
  ws_client ok;
  CHECK(ok.connect(server.port(), "/ws?token=" + fresh) == 101);
}

TEST_CASE("an idle socket whose token expires gets unauthorized and is closed with 1008") {
  server_process server{{{"auth.token_ttl_s", "2"}}};
  auto ann = make_account(server.port(), "ann_lapsed");
  auto start = std::chrono::steady_clock::now();
  auto ca = open_session(server.port(), ann.token);
  expect_alive(ca);
  // Nothing is sent: the registry's once-a-second sweep ends the session.
  auto reply = ca.read_type("error", std::chrono::seconds(6));
  REQUIRE(reply);
  CHECK((*reply)["code"] == "unauthorized");
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(1500));
  CHECK(ca.wait_closed());
  CHECK(ca.close_code() == 1008);
}

TEST_CASE("SIGTERM closes client sockets with a close frame and exits 0") {
  check_signal_shutdown(SIGTERM, "term");
}

TEST_CASE("SIGINT closes client sockets with a close frame and exits 0") {
  check_signal_shutdown(SIGINT, "int");
}

} // TEST_SUITE("websocket sessions")
