// 10,000 connect/disconnect cycles must not leak. 64 users in one room; 8
// threads each run cycles one after another (8 connections in flight), each
// cycle with one of its thread's 8 users: upgrade, welcome, read the replay,
// every 4th cycle send a message (so replays and live traffic have something
// to carry), ack what came and wait for "acked", then leave, every other time
// with a clean close and otherwise by just closing the TCP socket. After a
// warm-up of 2,000 cycles (allocator arenas, SQLite caches, the room and user
// actors of all users) the server's open descriptors (/proc/PID/fd), resident
// memory (VmRSS) and threads are measured once its log says live=0; after the
// other 8,000 cycles they must be back within a small bound, and every
// "connect" log line must have its "disconnect". Actor counts are not visible
// yet: they come with the /metrics endpoint (a later issue); a leaked
// connection or user actor would hold its socket or its memory and show here.
#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stress/proc_stats.hpp"
#include "tests/stress/stress_support.hpp"
#include "tests/support/poll.hpp"
#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using namespace chat::test::stress;

namespace {

constexpr int user_count = 64;
constexpr int thread_count = 8;
const int warmup_cycles = scaled(2000, thread_count); // $CHAT_STRESS_SCALE
const int total_cycles = scaled(10000, thread_count);
constexpr auto budget = std::chrono::seconds(150);
constexpr long fd_slack = 4; // descriptors
#ifdef CHAT_SANITIZED
// scripts/sanitize's builds: the sanitizer's shadow memory and its
// allocator's size-class regions are resident too, and under TSan they are
// still growing toward a plateau after the tenth-size warm-up (measured at
// 400/800/2,400 measured cycles: +5.8/+7.5/+8.9 MB, and +4.8/+6.3/+6.7 MB
// before the in-flight pools of b4e9b89, whose plain-build growth is
// unchanged). A leak would still grow with the cycles past this; the plain
// build holds the tight bound below.
constexpr long rss_slack_kib = 16 * 1024;
#else
constexpr long rss_slack_kib = 8 * 1024; // 8,000 cycles: < 1 KB each (measured: ~2 MB)
#endif
const std::string room = "cycles";

struct thread_stats {
  int cycles = 0;
  std::size_t replayed = 0;
  std::vector<std::string> problems;
};

/// One cycle of `acc`; false (and a problem recorded) if a step failed.
bool cycle(std::uint16_t port, const account& acc, int k, clock_type::time_point deadline,
           thread_stats& st) {
  auto fail = [&](const std::string& what) {
    if (st.problems.size() < 10)
      st.problems.push_back("cycle " + std::to_string(k) + " (" + acc.name + "): " + what);
    return false;
  };
  auto step = std::chrono::milliseconds(5000);
  ws_client ws;
  int status = ws.connect(port, "/ws?token=" + acc.token, time_to(deadline, step));
  if (status != 101)
    return fail("upgrade answered " + std::to_string(status) + " " + ws.error());
  auto welcome = ws.read(time_to(deadline, step));
  if (!welcome || type_of(*welcome) != "welcome")
    return fail("no welcome: " + (welcome ? welcome->dump() : ws.error()));
  // Reads up to the frame of type `until` (with `ref`, if given), keeping
  // the ids of the messages on the way, as a client that acks them would.
  std::vector<std::string> ids;
  auto read_to = [&](const std::string& until, const std::string& ref) -> std::optional<json> {
    while (auto frame = ws.read(time_to(deadline, step))) {
      if (type_of(*frame) == "message")
        ids.push_back((*frame)["id"].get<std::string>());
      else if (type_of(*frame) == until && (ref.empty() || (*frame)["ref"] == ref))
        return frame;
    }
    return std::nullopt;
  };
  if (!read_to("replayed", ""))
    return fail("the replay did not end: " + ws.error());
  st.replayed += ids.size();
  if (k % 4 == 0) {
    auto frame = make_frame("send", room, {{"k", k}});
    frame["ref"] = "send";
    if (!ws.send(frame) || !read_to("sent", "send"))
      return fail("no sent: " + ws.error());
  }
  if (!ids.empty()) {
    auto frame = ack_frame(ids);
    frame["ref"] = "ack";
    auto acked = ws.send(frame) ? read_to("acked", "ack") : std::nullopt;
    if (!acked || (*acked)["count"] != frame["body"]["ids"].size())
      return fail("no acked: " + (acked ? acked->dump() : ws.error()));
  }
  if (k % 2 == 0)
    ws.close(); // else ~ws_client just closes the socket
  ++st.cycles;
  return true;
}

/// Runs cycles [from, to) on `thread_count` threads; cycle k belongs to
/// thread k % thread_count and uses one of that thread's users.
std::vector<thread_stats> run_cycles(std::uint16_t port, const std::vector<account>& users,
                                     int from, int to, clock_type::time_point deadline) {
  std::vector<thread_stats> stats(thread_count);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t)
    threads.emplace_back([&, t] {
      for (int k = from + t; k < to && clock_type::now() < deadline; k += thread_count) {
        auto& acc = users[t * (user_count / thread_count) + (k / thread_count) % 8];
        thread_errors errors;
        if (!errors.run([&] { cycle(port, acc, k, deadline, stats[t]); }))
          stats[t].problems.push_back("cycle " + std::to_string(k) + ": " + errors.list()[0]);
      }
    });
  for (auto& t : threads)
    t.join();
  return stats;
}

/// "connect" and "disconnect" lines of the server's log, the live chat
/// connections by GET /metrics, and the connected TCP sockets the server
/// holds. Not the last "live=" of the log: two sessions closing at once on
/// two I/O threads may both log the count before either gave its place
/// back, so the last line can say live=1 with nothing open (seen under
/// ThreadSanitizer).
struct live_count {
  long connects = 0, disconnects = 0, live = -1, sockets = -1;
};

live_count count_live(const std::string& output) {
  live_count n;
  std::size_t pos = 0;
  while ((pos = output.find(" connect conn=", pos)) != std::string::npos)
    ++n.connects, ++pos;
  pos = 0;
  while ((pos = output.find(" disconnect conn=", pos)) != std::string::npos)
    ++n.disconnects, ++pos;
  return n;
}

/// Waits (up to 10 s) until every connection the log shows is closed and
/// the server holds no connected socket any more (a session logs its
/// "disconnect" just before its socket closes).
live_count settle(const server_process& server) {
  live_count n;
  poll_until(
    [&] {
      n = count_live(server.output());
      // Sockets before the /metrics request, whose own socket is not one.
      n.sockets = connected_sockets(server.pid());
      n.live
        = static_cast<long>(metric(server.port(), "chat_connections{transport=\"websocket\"}"));
      return n.connects == n.disconnects && n.live == 0 && n.sockets == 0;
    },
    std::chrono::seconds(10), std::chrono::milliseconds(50));
  return n;
}

long threads_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Threads:", 0) == 0)
      return std::stol(line.substr(8));
  return -1;
}

} // namespace

TEST_SUITE("stress") {

TEST_CASE("10000 connect/disconnect cycles leave the server's descriptors, memory and "
          "threads where they were") {
  raise_fd_limit();
  // The default ack_timeout_s (30 s) on purpose: a user whose socket closed
  // with messages unacked stays in memory that long, and must not pile up
  // one idle timer per reconnect meanwhile (it once did: ~5 MB here).
  server_process server{{{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}}};
  INFO("server output (tail):\n", server_tail(server.output()));
  auto port = server.port();
  auto users = make_users(port, "cycle", user_count);
  for (auto& acc : users) {
    auto ws = open_clean(port, acc);
    auto joined = ws.call(make_frame("join", room));
    REQUIRE(joined);
    REQUIRE(type_of(*joined) == "joined");
  }
  auto start = clock_type::now();
  auto deadline = start + budget;
  auto warm = run_cycles(port, users, 0, warmup_cycles, deadline);
  auto before = settle(server);
  long fds0 = fd_count(server.pid()), rss0 = rss_kib(server.pid());
  long threads0 = threads_of(server.pid());
  auto warm_seconds = seconds_since(start);

  auto rest = run_cycles(port, users, warmup_cycles, total_cycles, deadline);
  auto after = settle(server);
  long fds1 = fd_count(server.pid()), rss1 = rss_kib(server.pid());
  long threads1 = threads_of(server.pid());

  int cycles = 0;
  std::size_t replayed = 0;
  std::vector<std::string> problems;
  for (auto* part : {&warm, &rest})
    for (auto& st : *part) {
      cycles += st.cycles;
      replayed += st.replayed;
      problems.insert(problems.end(), st.problems.begin(), st.problems.end());
    }
  MESSAGE(cycles, " cycles in ", seconds_since(start), " s (warm-up ", warm_seconds, " s), ",
          replayed, " messages replayed; server fds ", fds0, " -> ", fds1, ", VmRSS ", rss0, " -> ",
          rss1, " KiB, threads ", threads0, " -> ", threads1, "; log: ", after.connects,
          " connects, ", after.disconnects, " disconnects, live by /metrics ", after.live,
          "; connected sockets left ", before.sockets, ", then ", after.sockets);
  CHECK_MESSAGE(problems.empty(), first_of(problems));
  CHECK(cycles == total_cycles);
  CHECK(before.live == 0);
  CHECK(before.sockets == 0);
  CHECK(after.connects == after.disconnects);
  CHECK(after.live == 0);
  CHECK(after.sockets == 0);
  CHECK(after.connects == user_count + total_cycles);
  REQUIRE(fds0 > 0);
  CHECK(fds1 <= fds0 + fd_slack);
  CHECK(rss1 <= rss0 + rss_slack_kib);
  CHECK(threads1 == threads0);
  CHECK(server.stop() == 0);
}

} // TEST_SUITE("stress")
