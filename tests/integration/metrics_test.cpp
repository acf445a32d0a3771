// GET /metrics against the real server: after a known workload the
// Prometheus counters say exactly what happened, rate-limited frames
// included. GET /healthz is tested in healthz_test.cpp.
#include <chrono>
#include <map>
#include <sstream>
#include <string>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/poll.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// "name{labels}" -> value, from the text exposition format.
std::map<std::string, double> scrape(std::uint16_t port) {
  auto res = request(port, "GET", "/metrics");
  REQUIRE(res.status == 200);
  REQUIRE(res.header("Content-Type").find("text/plain") == 0);
  std::map<std::string, double> out;
  std::istringstream in(res.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

// Waits (up to 5 s) until `name` reaches `want` (counters bumped on other
// threads); returns the last value seen.
double await_value(std::uint16_t port, const std::string& name, double want) {
  double got = -1;
  poll_until(
    [&] {
      auto m = scrape(port);
      got = m.count(name) ? m[name] : -1;
      return got == want;
    },
    5s);
  return got;
}

} // namespace

TEST_SUITE("metrics") {

TEST_CASE("after a known workload the metrics count exactly what happened") {
  server_process server;
  auto port = server.port();
  auto ann = make_account(port, "m_ann");
  auto ben = make_account(port, "m_ben");
  auto before = scrape(port);
  CHECK(before["chat_connections{transport=\"websocket\"}"] == 0);
  CHECK(before["chat_frames_in_total"] == 0);
  CHECK(before.count("process_resident_memory_bytes") == 1);
  CHECK(before["process_resident_memory_bytes"] > 1e6);

  auto a = open_session(port, ann.token);
  auto b = open_session(port, ben.token);
  REQUIRE(a.call(make_frame("join", "metered")));
  REQUIRE(b.call(make_frame("join", "metered")));
  for (int i = 0; i < 3; ++i)
    REQUIRE(a.call(make_frame("send", "metered", {{"text", "hi " + std::to_string(i)}})));
  json ids = json::array();
  while (ids.size() < 3) {
    auto m = b.read_type("message");
    REQUIRE(m);
    ids.push_back((*m)["id"]);
  }
  REQUIRE(b.call(make_frame("ack", "", {{"ids", ids}})));
  REQUIRE(a.call(make_frame("nonsense")));                         // unknown_action
  REQUIRE(a.call(make_frame("send", "nowhere", {{"text", "x"}}))); // unknown_room

  auto m = scrape(port);
  CHECK(m["chat_connections{transport=\"websocket\"}"] == 2);
  CHECK(m["chat_connections_accepted_total{transport=\"websocket\"}"] == 2);
  CHECK(m["chat_connections_closed_total{transport=\"websocket\"}"] == 0);
  // a: join, 3 sends, nonsense, send to nowhere; b: join, ack.
  CHECK(m["chat_frames_in_total"] == 8);
  // 3 messages to 2 members (presence frames are not deliveries).
  CHECK(await_value(port, "chat_deliveries_total", 6) == 6);
  CHECK(await_value(port, "chat_acks_total", 3) == 3);
  CHECK(m["chat_rejected_frames_total{code=\"unknown_action\"}"] == 1);
  CHECK(m["chat_rejected_frames_total{code=\"unknown_room\"}"] == 1);
  CHECK(m["chat_rejected_frames_total{code=\"rate_limited\"}"] == 0);
  CHECK(m["chat_actors{kind=\"connection\"}"] == 2);
  CHECK(m["chat_actors{kind=\"user\"}"] == 2);
  CHECK(m["chat_actors{kind=\"room\"}"] >= 1);
  // b acked its 3; a never acks its own 3 copies.
  CHECK(await_value(port, "chat_unacked_messages", 3) == 3);
  CHECK(m["chat_storage_batch_writes_count"] >= 1);
  CHECK(m["chat_storage_batch_writes_sum"] >= 3); // the three messages at least
  CHECK(m["chat_storage_commit_seconds_count"] == m["chat_storage_batch_writes_count"]);
  CHECK(m["chat_storage_commit_seconds_bucket{le=\"+Inf\"}"]
        == m["chat_storage_commit_seconds_count"]);
  // A few messages leave the WAL far below a checkpoint's 1000 pages.
  REQUIRE(m.count("chat_storage_checkpoint_seconds_count") == 1);
  CHECK(m["chat_storage_checkpoint_seconds_count"] == 0);

  b.close();
  CHECK(await_value(port, "chat_connections_closed_total{transport=\"websocket\"}", 1) == 1);
  CHECK(scrape(port)["chat_connections{transport=\"websocket\"}"] == 1);
}

TEST_CASE("rate-limited frames show up in the metrics") {
  server_process server{{{"limits.messages_per_second", "1"}, {"limits.burst", "1"}}};
  auto ann = make_account(server.port(), "m_flood");
  auto a = open_session(server.port(), ann.token);
  for (int i = 0; i < 3; ++i)
    a.send(make_frame("rooms"));
  for (int i = 0; i < 3; ++i)
    REQUIRE(a.read());
  auto m = scrape(server.port());
  CHECK(m["chat_rate_limited_frames_total"] == 2);
  CHECK(m["chat_rejected_frames_total{code=\"rate_limited\"}"] == 2);
}

} // TEST_SUITE("metrics")
