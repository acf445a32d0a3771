// GET /metrics and GET /healthz against the real server: after a known
// workload the Prometheus counters say exactly what happened, and health
// turns 503 while storage cannot write or the server is shutting down.
#include <chrono>
#include <csignal>
#include <future>
#include <map>
#include <sstream>
#include <string>

#include <doctest/doctest.h>
#include <sqlite3.h>

#include "tests/support/http_client.hpp"
#include "tests/support/poll.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tcp_client.hpp"
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

TEST_CASE("healthz is 503 while storage cannot write, 200 again once it can") {
  server_process server;
  auto port = server.port();
  auto ann = make_account(port, "h_ann");
  auto a = open_session(port, ann.token);
  REQUIRE(a.call(make_frame("join", "healthy")));
  CHECK(request(port, "GET", "/healthz").status == 200);

  // Another process takes SQLite's write lock: the server's next write waits
  // (busy timeout) and then fails.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((server.dir() + "/chat.db").c_str(), &db) == SQLITE_OK);
  sqlite3_busy_timeout(db, 5000); // the server may be inside a group commit
  REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  auto frame = make_frame("send", "healthy", {{"text", "stuck"}});
  frame["ref"] = "stuck";
  REQUIRE(a.send(frame));
  // GET /healthz says 200 until the storage actor has tried that write: then
  // 503, because the write failed on the lock (or, while it waits out the
  // busy timeout, because the health request times out).
  http_response during;
  CHECK_MESSAGE(poll_until([&] {
                  during = request(port, "GET", "/healthz");
                  return during.status != 200;
                }),
                "GET /healthz still answers 200 while another process holds the write lock");
  CHECK(during.status == 503);
  CHECK(during.json()["status"] == "storage_unavailable");
  auto failed
    = a.read_until([](const json& f) { return f.contains("ref") && f["ref"] == "stuck"; }, 15s);
  REQUIRE(failed);
  CHECK((*failed)["code"] == "storage");
  CHECK(request(port, "GET", "/healthz").status == 503); // the last write failed
  CHECK(server.wait_for_output("ERROR"));

  REQUIRE(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto ok = a.call(make_frame("send", "healthy", {{"text", "unstuck"}}));
  REQUIRE(ok);
  CHECK(type_of(*ok) == "sent");
  CHECK(request(port, "GET", "/healthz").status == 200);
}

TEST_CASE("healthz is 503 while the server shuts down") {
  server_process server;
  auto port = server.port();
  auto ann = make_account(port, "h_down");
  // A WebSocket peer that never answers the server's close keeps the
  // shutdown draining (up to 3 s); a keep-alive HTTP socket asks meanwhile.
  line_client deaf;
  auto status = raw_upgrade(deaf, port, ann.token);
  REQUIRE(status);
  REQUIRE(status->find("101") != std::string::npos);
  // The asker's socket is accepted and kept alive before the signal (a
  // connection still in the listen backlog would be reset with it).
  line_client asker;
  REQUIRE(asker.connect(port));
  REQUIRE(asker.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = asker.read_line();
  REQUIRE(first);
  REQUIRE(first->find("200") != std::string::npos);
  while (auto rest = asker.read_line(200ms)) // the rest of that response
    if (rest->find("\"ok\"") != std::string::npos)
      break;
  auto exit_code = std::async(std::launch::async, [&] { return server.stop(SIGTERM); });
  REQUIRE(server.wait_for_output("shutting down"));
  REQUIRE(asker.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto line = asker.read_line();
  REQUIRE(line);
  CHECK_MESSAGE(line->find("503") != std::string::npos, *line, "\n", server.output());
  CHECK(exit_code.get() == 0);
}

} // TEST_SUITE("metrics")
