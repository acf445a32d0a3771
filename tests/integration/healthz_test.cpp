// GET /healthz against the real server: 200 while storage answers and its
// last write went through, 503 while another process holds SQLite's write
// lock (200 again once it lets go), and 503 as soon as the server is
// shutting down.
#include <chrono>
#include <csignal>
#include <future>
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

TEST_SUITE("healthz") {

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

} // TEST_SUITE("healthz")
