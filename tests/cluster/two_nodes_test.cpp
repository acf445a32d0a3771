// Two chat-actors nodes on one PostgreSQL database (cluster mode), driven
// over real sockets: room messages sent on either node reach the members on
// both, in seq order and once, history reads the same from both, and a
// node whose bus (LISTEN) connection is cut catches up by itself. The
// database is a fresh one on this test process's throwaway server
// (tests/support/pg_server.hpp).
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cluster/stored_pairs.hpp"
#include "tests/integration/delivery_checks.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg_server.hpp"
#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// Settings of a node on `db` (no rate limits: the tests send in bursts).
server_process::overrides node_on(const std::string& db) {
  return settings({{"storage.backend", "postgres"},
                   {"storage.url", pg_server::shared().url(db)},
                   {"storage.path", "unused.db"}});
}

std::vector<std::int64_t> seqs_of(const std::vector<json>& frames) {
  std::vector<std::int64_t> out;
  for (auto& f : frames)
    out.push_back(f.value("seq", std::int64_t{-1}));
  return out;
}

std::vector<std::int64_t> one_to(std::int64_t n) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = 1; i <= n; ++i)
    out.push_back(i);
  return out;
}

/// Two nodes on a fresh database, with a writer (ann, on node 1) and an
/// observer (oscar, on node 2) in room "lobby".
struct two_nodes {
  std::string db = pg_server::shared().fresh_database();
  server_process node1{node_on(db)};
  server_process node2{node_on(db)};
  account ann = make_account(node1.port(), "ann");
  account oscar = make_account(node2.port(), "oscar");
  ws_client writer = open_clean(node1.port(), ann);
  ws_client observer = open_clean(node2.port(), oscar);

  two_nodes() {
    REQUIRE(writer.call(make_frame("join", "lobby")));
    REQUIRE(observer.call(make_frame("join", "lobby")));
  }
};

/// Sends `count` messages to `room`, one at a time, and returns the ids
/// "sent" confirmed (a send answered with an error is not confirmed).
std::vector<std::string> send_confirmed(ws_client& ws, const std::string& room, int count,
                                        const std::function<void(int)>& before_each) {
  std::vector<std::string> confirmed;
  for (int k = 0; k < count; ++k) {
    before_each(k);
    auto reply = ws.call(make_frame("send", room, {{"text", "m"}, {"n", k}}), 20s);
    REQUIRE_MESSAGE(reply, "no reply to send ", k, ": ", ws.error());
    if (type_of(*reply) == "sent")
      confirmed.push_back((*reply)["id"].get<std::string>());
    else
      CHECK_MESSAGE((*reply)["code"] == "storage", reply->dump());
  }
  return confirmed;
}

/// Live messages of `room` on `ws` until `count` arrived (or 20 s passed).
std::vector<std::pair<std::int64_t, std::string>>
observed_pairs(ws_client& ws, const std::string& room, std::size_t count) {
  std::vector<std::pair<std::int64_t, std::string>> out;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto frame = ws.read_until(
      [&](const json& f) { return type_of(f) == "message" && f["room"] == room; }, 1s);
    if (frame)
      out.emplace_back((*frame)["seq"].get<std::int64_t>(), (*frame)["id"].get<std::string>());
  }
  return out;
}

/// Whether `who` of `room`, asked on `ws`, lists `name` as online.
bool listed_online(ws_client& ws, const std::string& room, const std::string& name) {
  auto members = ws.call(make_frame("who", room));
  REQUIRE(members);
  for (auto& m : (*members)["members"])
    if (m["name"] == name)
      return m["online"].get<bool>();
  return false;
}

/// Asks `who` every 250 ms until `name`'s online flag is `online`; how long
/// that took (or the limit, if it never was).
std::chrono::milliseconds until_online(ws_client& ws, const std::string& room,
                                       const std::string& name, bool online,
                                       std::chrono::milliseconds limit) {
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < limit) {
    if (listed_online(ws, room, name) == online)
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                                   - start);
    std::this_thread::sleep_for(250ms);
  }
  return limit;
}

} // namespace

TEST_SUITE("cluster") {

TEST_CASE("messages sent on either node reach the members on both, in seq order, once") {
  auto db = pg_server::shared().fresh_database();
  server_process node1{node_on(db)};
  server_process node2{node_on(db)};
  // A writer and an observer on each node (a writer's own connection
  // skips frames while it waits for its "sent").
  auto ann = make_account(node1.port(), "ann");
  auto ben = make_account(node2.port(), "ben");
  auto olga = make_account(node1.port(), "olga");
  auto oscar = make_account(node2.port(), "oscar");
  auto ca = open_clean(node1.port(), ann);
  auto cb = open_clean(node2.port(), ben);
  auto obs1 = open_clean(node1.port(), olga);
  auto obs2 = open_clean(node2.port(), oscar);
  for (auto* ws : {&ca, &cb, &obs1, &obs2})
    REQUIRE(ws->call(make_frame("join", "lobby")));
  auto from_ann = send_all(ca, "lobby", 5);
  auto from_ben = send_all(cb, "lobby", 5, 5);
  auto on_node1 = read_messages(obs1, "lobby", 10);
  auto on_node2 = read_messages(obs2, "lobby", 10);
  CHECK(seqs_of(on_node1) == one_to(10));
  CHECK(seqs_of(on_node2) == one_to(10));
  CHECK(ids_of(on_node1) == ids_of(on_node2));
  CHECK(ids_of(on_node1) == [&] {
    auto all = ids_of(from_ann);
    for (auto& id : ids_of(from_ben))
      all.push_back(id);
    return all;
  }());
  // Nothing twice: the bus's echo of a node's own commit is dropped.
  for (auto& f : obs1.drain(std::chrono::milliseconds{300}))
    CHECK_MESSAGE(type_of(f) != "message", f.dump());

  // The same history from either node (each asked by its own user: tokens
  // are per node for now).
  auto page1 = request(node1.port(), "GET", "/history?room=lobby", "", bearer(ann.token)).json();
  auto page2 = request(node2.port(), "GET", "/history?room=lobby", "", bearer(ben.token)).json();
  REQUIRE(page1["messages"].size() == 10);
  CHECK(page1["messages"] == page2["messages"]);
}

TEST_CASE_FIXTURE(two_nodes,
                  "a node whose bus connection is cut listens again and catches up by itself") {
  auto& pg = pg_server::shared();
  send_all(writer, "lobby", 2);
  read_messages(observer, "lobby", 2);
  // Every node's LISTEN connection, as an operator's pg_terminate_backend
  // or a network cut would end it; messages sent meanwhile have no bus.
  REQUIRE(pg.exec(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name LIKE 'chat-actors-bus %'"));
  send_all(writer, "lobby", 3, 2);
  auto late = read_messages(observer, "lobby", 3);
  CHECK(seqs_of(late) == std::vector<std::int64_t>{3, 4, 5});
  auto metrics = request(node2.port(), "GET", "/metrics");
  CHECK(metrics.body.find("chat_bus_reconnects_total 0") == std::string::npos);
}

TEST_CASE_FIXTURE(two_nodes,
                  "PostgreSQL killed with kill -9 mid-stream: every sent message is stored "
                  "once, seqs run 1..n, and the other node's observer saw exactly the "
                  "database's list") {
  auto& pg = pg_server::shared();
  auto confirmed = send_confirmed(writer, "lobby", 120, [&](int k) {
    if (k == 40)
      pg.kill9();
    if (k == 60)
      pg.start(); // the nodes reconnect by themselves
  });
  CHECK(confirmed.size() >= 60); // the ones before the kill and after the recovery
  auto stored = stored_pairs(db, "lobby");
  std::vector<std::string> stored_ids;
  for (std::size_t i = 0; i < stored.size(); ++i) {
    CHECK(stored[i].first == static_cast<std::int64_t>(i + 1)); // no gap
    stored_ids.push_back(stored[i].second);
  }
  for (auto& id : confirmed)
    CHECK_MESSAGE(std::find(stored_ids.begin(), stored_ids.end(), id) != stored_ids.end(),
                  "confirmed " << id << " is not stored");
  CHECK(observed_pairs(observer, "lobby", stored.size()) == stored);
}

TEST_CASE_FIXTURE(two_nodes, "a node killed with kill -9 loses nothing it confirmed, and the "
                             "other node's observer has it all") {
  auto confirmed = send_confirmed(writer, "lobby", 50, [](int) {});
  REQUIRE(confirmed.size() == 50);
  node1.kill9();
  auto stored = stored_pairs(db, "lobby");
  REQUIRE(stored.size() == 50);
  auto seen = observed_pairs(observer, "lobby", 50);
  CHECK(seen == stored);
  // The writer's node comes back on the same database and takes the next seq.
  node1.restart();
  auto again = open_session(node1.port(), ann.token); // its replay: the 50, unacked
  auto reply = again.call(make_frame("send", "lobby", {{"text", "back"}}));
  REQUIRE(reply);
  CHECK((*reply)["seq"] == 51);
}

TEST_CASE("an account and a token work on every node, a direct reaches its recipient "
          "on every node, and a logout on one closes the token's sockets on the others") {
  auto db = pg_server::shared().fresh_database();
  server_process node1{node_on(db)};
  server_process node2{node_on(db)};
  // Registered and logged in on node 1, known to node 2 through the database.
  auto ann = make_account(node1.port(), "ann");
  auto on_node2 = open_session(node2.port(), ann.token);
  auto also_node1 = open_session(node1.port(), ann.token);
  // Registered on node 2, logs in on node 1; a name taken on one node is
  // taken on the other.
  register_user(node2.port(), "ben", "password-ben");
  // Before node 1 has heard of ben: only the database can refuse the name.
  auto taken = request(node1.port(), "POST", "/register",
                       json{{"name", "ben"}, {"password", "password-2"}}.dump());
  CHECK(taken.status == 409);
  auto ben_token = login(node1.port(), "ben", "password-ben");
  CHECK_FALSE(ben_token.empty());
  // A direct from node 1 reaches ann live on both nodes, once each (node 1
  // delivers it itself and drops the bus's echo; node 2 hears it on the bus).
  auto ben_ws = open_session(node1.port(), ben_token);
  auto dm = ben_ws.call(make_frame("dm", ann.user_id, {{"text", "hi ann"}}));
  REQUIRE(dm);
  CHECK(type_of(*dm) == "sent");
  for (auto* ws : {&on_node2, &also_node1}) {
    auto direct = ws->read_type("direct");
    REQUIRE(direct);
    CHECK((*direct)["id"] == (*dm)["id"]);
    for (auto& f : ws->drain(300ms))
      CHECK_MESSAGE(type_of(f) != "direct", "twice: " << f.dump());
  }
  // Logout on node 2: both nodes close ann's sockets with 1008.
  auto out = request(node2.port(), "POST", "/logout", "", bearer(ann.token));
  CHECK(out.status == 204);
  CHECK(on_node2.wait_closed(5s));
  CHECK(also_node1.wait_closed(5s));
  CHECK(also_node1.close_code() == 1008);
  CHECK(request(node1.port(), "GET", "/history?room=@ann", "", bearer(ann.token)).status == 401);
}

TEST_CASE("an ack on one node is replayed by no node, and joins, leaves and who span the "
          "nodes, until a node dies") {
  auto db = pg_server::shared().fresh_database();
  auto named = node_on(db);
  named["cluster.node_id"] = "node \"one\"";
  server_process node1{named};
  server_process node2{node_on(db)};
  // The node's name in its metrics, escaped as the exposition format says.
  CHECK(request(node1.port(), "GET", "/metrics")
          .body.find(R"(chat_node_info{node_id="node \"one\""} 1)")
        != std::string::npos);
  auto ann = make_account(node1.port(), "ann");
  auto oscar = make_account(node1.port(), "oscar");
  auto carl = make_account(node2.port(), "carl");
  auto writer = open_clean(node1.port(), ann);
  REQUIRE(writer.call(make_frame("join", "lobby")));
  // oscar joins on node 2: ann, on node 1, hears of it.
  auto o2 = open_clean(node2.port(), oscar);
  REQUIRE(o2.call(make_frame("join", "lobby")));
  auto joined = writer.read_until(
    [](const json& f) { return type_of(f) == "presence" && f["user"]["name"] == "oscar"; }, 5s);
  REQUIRE(joined);
  CHECK((*joined)["event"] == "join");
  CHECK(until_online(writer, "lobby", "oscar", true, 5s) < 5s);

  // oscar on both nodes; the messages are in flight on both user actors.
  auto o1 = open_clean(node1.port(), oscar);
  auto sent = send_all(writer, "lobby", 3);
  auto on1 = read_messages(o1, "lobby", 3);
  auto on2 = read_messages(o2, "lobby", 3);
  REQUIRE(on2.size() == 3);
  CHECK(ids_of(on1) == ids_of(on2));
  // Acked on node 2: `acked` came after the commit, so neither node replays
  // them, not even node 1, whose actor had them in flight.
  ack(o2, ids_of(on2));
  o1.close();
  CHECK(o1.wait_closed(5s));
  auto again1 = open_clean(node1.port(), oscar);
  auto again2 = open_clean(node2.port(), oscar);
  again1.close();
  again2.close();

  // carl joins and leaves on node 2; ann on node 1 sees both.
  auto c2 = open_clean(node2.port(), carl);
  REQUIRE(c2.call(make_frame("join", "lobby")));
  REQUIRE(c2.call(make_frame("leave", "lobby")));
  auto left = writer.read_until(
    [](const json& f) {
      return type_of(f) == "presence" && f["user"]["name"] == "carl" && f["event"] == "leave";
    },
    5s);
  CHECK(left);
  auto members = writer.call(make_frame("who", "lobby"));
  REQUIRE(members);
  CHECK((*members)["members"].size() == 2); // ann and oscar

  // oscar is online on node 2 only; node 2 dies: node 1 stops listing him
  // within its heartbeat's staleness (7 s) and a check (3 s).
  CHECK(listed_online(writer, "lobby", "oscar"));
  node2.kill9();
  auto gone = until_online(writer, "lobby", "oscar", false, 15s);
  CHECK(gone < 11s);
  MESSAGE("a dead node's user went offline after " << gone.count() << " ms");
}

TEST_CASE("a room created on two nodes at once is one room, and every joiner is in it") {
  auto db = pg_server::shared().fresh_database();
  server_process node1{node_on(db)};
  server_process node2{node_on(db)};
  std::vector<ws_client> clients;
  for (int i = 0; i < 8; ++i) {
    auto& node = i % 2 == 0 ? node1 : node2;
    clients.push_back(open_clean(node.port(), make_account(node.port(), "j" + std::to_string(i))));
  }
  // Every join goes out before any answer is read: both nodes find no
  // stored room and create it.
  for (auto& ws : clients)
    REQUIRE(ws.send(make_frame("join", "fresh")));
  for (auto& ws : clients) {
    auto reply = ws.read_until(
      [](const json& f) { return type_of(f) == "joined" || type_of(f) == "error"; }, 10s);
    REQUIRE(reply);
    CHECK_MESSAGE(type_of(*reply) == "joined", reply->dump());
  }
  CHECK(pg_server::shared().value(db, "SELECT count(*) FROM members WHERE room = 'fresh'") == "8");
}

} // TEST_SUITE("cluster")
