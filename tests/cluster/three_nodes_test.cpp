// Cluster mode's acceptance test (issue 17): three nodes on one PostgreSQL,
// 30 users in 3 rooms with connections spread over the nodes and one
// observer per node in every room, writers sending ~2,000 tagged messages
// while a node is killed with kill -9 and restarted, PostgreSQL is killed
// with kill -9 and restarted, and one node's LISTEN connection is ended.
// Each user runs on its own thread as a client would: it records every
// message it gets (live or replayed), acks what it got, and reconnects when
// its socket dies (a writer to any node that is up, as through a load
// balancer; an observer to its own node once it is back). At the end
// everyone acks, closes, and reconnects to another node; then the checks.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cluster/stored_pairs.hpp"
#include "tests/integration/delivery_checks.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/pg_server.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr int node_count = 3;
constexpr int room_count = 3;
constexpr int writers_per_room = 7;  // and one observer per node: 10 users a room
constexpr int sends_per_writer = 95; // 21 writers: ~2,000 messages

/// The nodes; a node's port is 0 while it is down (read by every user's
/// thread, written by the test's own).
struct cluster {
  std::string db = pg_server::shared().fresh_database();
  std::array<std::unique_ptr<server_process>, node_count> nodes;
  std::array<std::atomic<int>, node_count> ports{};

  cluster() {
    for (int n = 0; n < node_count; ++n) {
      nodes[n] = std::make_unique<server_process>(
        settings({{"storage.backend", "postgres"},
                  {"storage.url", pg_server::shared().url(db)},
                  {"storage.path", "unused.db"},
                  {"cluster.node_id", "accept-" + std::to_string(n)},
                  {"delivery.backlog_max", "5000"}}));
      ports[n] = nodes[n]->port();
    }
  }

  void kill_and_restart(int n) {
    ports[n] = 0;
    nodes[n]->kill9();
    std::this_thread::sleep_for(1s);
    nodes[n]->restart();
    ports[n] = nodes[n]->port();
  }
};

/// One user: who it is, where it connects, and what it saw.
struct member {
  account acc;
  std::string room;
  int home = 0;                            // the node it prefers
  bool writer = false;                     // else an observer, which stays on its home node
  std::map<std::string, std::int64_t> got; // id -> seq, live or replayed
  std::set<std::string> acked;             // ids an `acked` confirmed
  std::vector<std::string> confirmed;      // a writer's ids that got `sent`
  std::vector<std::string> problems;
  int connects = 0;
};

/// A member's client, on the member's own thread.
class member_client {
public:
  member_client(member& m, cluster& c, std::atomic<int>& confirmed_total)
    : m_{m},
      c_{c},
      confirmed_total_{confirmed_total} {}

  /// Sends (a writer, until its share is confirmed) and reads, acking what
  /// it gets, until `stop`.
  void run(const std::atomic<bool>& stop) {
    int sent = 0;
    while (!stop) {
      if (!open_ && !connect(pick_node())) {
        std::this_thread::sleep_for(200ms);
        continue;
      }
      bool sending = m_.writer && static_cast<int>(m_.confirmed.size()) < sends_per_writer;
      if (sending)
        send_one(sent++);
      else
        read_for(100ms);
      if (pending_.size() >= 20 || !sending)
        ack_pending();
    }
  }

  /// The end: read what is still coming, ack it all, close, and reconnect
  /// to another node: what it replays must hold no acked id.
  void finish() {
    for (int attempt = 0; attempt < 50 && !open_; ++attempt)
      if (!connect(pick_node()))
        std::this_thread::sleep_for(200ms);
    read_for(1500ms);
    for (int attempt = 0; attempt < 5 && !pending_.empty() && open_; ++attempt)
      ack_pending();
    if (!pending_.empty())
      m_.problems.push_back("could not ack " + std::to_string(pending_.size()) + " at the end");
    ws_.close();
    open_ = false;
    auto acked_before = m_.acked;
    int other = (node_ + 1) % node_count;
    if (!connect(other)) {
      m_.problems.push_back("no clean reconnect to node " + std::to_string(other));
      return;
    }
    auto done = ws_.read_until(
      [&](const json& f) {
        if (type_of(f) == "message" && acked_before.count(f.value("id", "")) > 0)
          m_.problems.push_back("acked " + f["id"].get<std::string>() + " came back");
        record(f);
        return type_of(f) == "replayed";
      },
      20s);
    if (!done)
      m_.problems.emplace_back("no `replayed` after the clean reconnect");
    ws_.close();
  }

private:
  int pick_node() const {
    if (!m_.writer)
      return m_.home;
    for (int k = 0; k < node_count; ++k)
      if (c_.ports[(m_.home + k) % node_count] != 0)
        return (m_.home + k) % node_count;
    return m_.home;
  }

  bool connect(int node) {
    int port = c_.ports[node];
    if (port == 0)
      return false;
    ws_ = ws_client{};
    if (ws_.connect(static_cast<std::uint16_t>(port), "/ws?token=" + m_.acc.token, 3s) != 101)
      return false;
    open_ = true;
    node_ = node;
    last_live_ = 0;
    pending_.clear(); // unacked ones come again in this connection's replay
    ++m_.connects;
    return true;
  }

  /// Takes note of a message frame of the member's room.
  void record(const json& f) {
    if (type_of(f) != "message" || f.value("room", "") != m_.room)
      return;
    auto id = f["id"].get<std::string>();
    auto seq = f["seq"].get<std::int64_t>();
    auto [it, fresh] = m_.got.emplace(id, seq);
    if (!fresh && it->second != seq)
      m_.problems.push_back(id + " came with seq " + std::to_string(seq) + " and "
                            + std::to_string(it->second));
    pending_.push_back(id);
    if (f.value("replay", false))
      return;
    if (seq <= last_live_)
      m_.problems.push_back("live seq " + std::to_string(seq) + " after "
                            + std::to_string(last_live_) + " on one connection");
    last_live_ = seq;
  }

  /// Reads for `window`, taking note of everything.
  void read_for(std::chrono::milliseconds window) {
    ws_.read_until(
      [&](const json& f) {
        record(f);
        return false;
      },
      window);
    if (ws_.closed())
      open_ = false;
  }

  /// Sends `frame` with a fresh ref and reads (noting everything) until the
  /// frame that answers it; nullopt if the socket died or nothing came.
  std::optional<json> call(json frame) {
    auto ref = m_.acc.name + "-" + std::to_string(++refs_);
    frame["ref"] = ref;
    if (!ws_.send(frame, 5s)) {
      open_ = false;
      return std::nullopt;
    }
    auto reply = ws_.read_until(
      [&](const json& f) {
        record(f);
        return f.value("ref", "") == ref;
      },
      20s);
    if (!reply)
      open_ = false; // the outcome is unknown: a new connection, as a client would
    return reply;
  }

  void send_one(int k) {
    auto reply = call(make_frame(
      "send", m_.room, {{"text", "tagged"}, {"tag", m_.acc.name + "/" + std::to_string(k)}}));
    if (reply && type_of(*reply) == "sent") {
      m_.confirmed.push_back((*reply)["id"].get<std::string>());
      ++confirmed_total_;
      // Paced (~130 messages/s in all) so the failures land mid-stream.
      std::this_thread::sleep_for(150ms);
    } else if (reply) {
      std::this_thread::sleep_for(100ms); // `storage` while the database is away
    }
  }

  void ack_pending() {
    if (pending_.empty() || !open_)
      return;
    auto ids = pending_;
    auto reply = call(json{{"action", "ack"}, {"body", {{"ids", ids}}}});
    if (reply && type_of(*reply) == "acked") {
      m_.acked.insert(ids.begin(), ids.end());
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(ids.size()));
    }
  }

  member& m_;
  cluster& c_;
  std::atomic<int>& confirmed_total_;
  ws_client ws_;
  bool open_ = false;
  int node_ = 0;
  std::int64_t last_live_ = 0;
  std::vector<std::string> pending_;
  int refs_ = 0;
};

/// Waits until the writers confirmed `count` messages (or `limit` passed).
void wait_confirmed(const std::atomic<int>& total, int count, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (total < count && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
}

} // namespace

TEST_SUITE("cluster") {

TEST_CASE("three nodes lose nothing confirmed through a node's kill -9, PostgreSQL's kill -9 "
          "and a cut LISTEN connection, and every member ends with the database's list") {
  cluster c;
  auto& pg = pg_server::shared();
  std::vector<member> members;
  for (int r = 0; r < room_count; ++r)
    for (int k = 0; k < writers_per_room + node_count; ++k) {
      member m;
      m.acc = make_account(static_cast<std::uint16_t>(c.ports[(r + k) % node_count].load()),
                           "r" + std::to_string(r) + "u" + std::to_string(k));
      m.room = "room" + std::to_string(r);
      m.writer = k >= node_count;
      m.home = m.writer ? (r + k) % node_count : k; // observers: one per node
      members.push_back(std::move(m));
    }
  // Everyone joins before anything is sent: each is owed every message.
  for (auto& m : members) {
    ws_client ws;
    REQUIRE(
      ws.connect(static_cast<std::uint16_t>(c.ports[m.home].load()), "/ws?token=" + m.acc.token)
      == 101);
    auto joined = ws.call(make_frame("join", m.room), 10s);
    REQUIRE(joined);
    REQUIRE(type_of(*joined) == "joined");
    ws.close();
  }

  std::atomic<bool> stop{false};
  std::atomic<int> confirmed{0};
  std::vector<std::unique_ptr<member_client>> clients;
  std::vector<std::thread> threads;
  for (auto& m : members) {
    clients.push_back(std::make_unique<member_client>(m, c, confirmed));
    threads.emplace_back([&stop, client = clients.back().get()] { client->run(stop); });
  }
  const int total = room_count * writers_per_room * sends_per_writer;
  wait_confirmed(confirmed, total / 5, 60s);
  MESSAGE("kill -9 of node 1 at " << confirmed.load() << " confirmed");
  c.kill_and_restart(1);
  wait_confirmed(confirmed, total * 2 / 5, 60s);
  MESSAGE("kill -9 of PostgreSQL at " << confirmed.load() << " confirmed");
  pg.kill9();
  std::this_thread::sleep_for(1s);
  pg.start();
  wait_confirmed(confirmed, total * 3 / 5, 60s);
  MESSAGE("node 2's LISTEN ended at " << confirmed.load() << " confirmed");
  CHECK(pg.exec(c.db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE application_name = 'chat-actors-bus accept-2'"));
  wait_confirmed(confirmed, total, 90s);
  std::this_thread::sleep_for(3s); // the last messages reach the observers
  stop = true;
  for (auto& t : threads)
    t.join();
  threads.clear();
  for (auto& client : clients)
    threads.emplace_back([client = client.get()] { client->finish(); });
  for (auto& t : threads)
    t.join();

  std::map<std::string, pair_list> stored;
  std::size_t stored_total = 0;
  for (int r = 0; r < room_count; ++r) {
    auto room = "room" + std::to_string(r);
    stored[room] = stored_pairs(c.db, room);
    stored_total += stored[room].size();
    for (std::size_t i = 0; i < stored[room].size(); ++i)
      REQUIRE_MESSAGE(stored[room][i].first == static_cast<std::int64_t>(i + 1),
                      room << ": seq " << stored[room][i].first << " at " << i + 1);
  }
  MESSAGE(confirmed.load() << " confirmed, " << stored_total << " stored");
  CHECK(confirmed >= total * 9 / 10);
  for (auto& m : members) {
    std::set<std::string> ids;
    for (auto& [seq, id] : stored[m.room])
      ids.insert(id);
    for (auto& id : m.confirmed)
      CHECK_MESSAGE(ids.count(id) == 1, m.acc.name << ": confirmed " << id << " is not stored");
    pair_list got;
    for (auto& [id, seq] : m.got)
      got.emplace_back(seq, id);
    std::sort(got.begin(), got.end());
    CHECK_MESSAGE(got == stored[m.room],
                  m.acc.name << " (node " << m.home << ", " << (m.writer ? "writer" : "observer")
                             << ") got " << got.size() << " of " << stored[m.room].size());
    for (auto& p : m.problems)
      CHECK_MESSAGE(false, m.acc.name << ": " << p);
  }
}

} // TEST_SUITE("cluster")
