// The classic concurrency test: 1000 users, each with its own WebSocket, join
// one room; once all have joined they all send one message at the same
// moment. Every user must receive exactly one copy of each of the 1000
// messages (checked by id), with seqs 1..1000 in order. Then every user acks
// all 1000 ids in one frame (answered by "acked" with count 1000), closes its
// socket and connects again: nothing is replayed ("replayed" count 0 right
// after "welcome"). 4 threads drive 250 clients each (fanout_worker.hpp);
// every wait is bounded, so a deadlock fails the test after ~120 s (delivery)
// + ~90 s (ack and reconnect) instead of hanging it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <doctest/doctest.h>

#include "tests/stress/fanout_worker.hpp"
#include "tests/stress/stress_support.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"

using namespace chat::test;
using namespace chat::test::fanout;
using namespace chat::test::stress;

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto secs = [](const timeval& tv) { return double(tv.tv_sec) + tv.tv_usec / 1e6; };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

} // namespace

TEST_SUITE("stress") {

TEST_CASE("1000 users in one room each receive every message exactly once and, once they acked "
          "it, get no replay on reconnect") {
  raise_fd_limit();
  server_process server{{{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}}};
  INFO("server output (tail):\n", server_tail(server.output())); // evaluated on failure
  auto start = clock_type::now();
  auto users = make_users(server.port(), "stress", user_count);
  MESSAGE("registered and logged in ", user_count, " users in ", seconds_since(start), " s");
  start = clock_type::now();
  auto deadline = start + budget;
  coordinator co;
  co.results.resize(user_count);
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t)
    threads.emplace_back(
      [&, t] { worker(co, server.port(), users, t * per_thread, deadline).run(); });
  {
    std::unique_lock<std::mutex> guard(co.mtx);
    if (co.cv.wait_until(guard, deadline, [&] { return co.ready_threads == thread_count; }))
      co.go = true; // the barrier: everyone joined, now all send at once
    else
      co.abort = true;
  }
  auto joined_at = seconds_since(start);
  for (auto& t : threads)
    t.join();
  MESSAGE("joined after ", joined_at, " s, delivered, acked and reconnected after ",
          seconds_since(start), " s (slowest thread: ack ", co.ack_seconds, " s, reconnect ",
          co.reconnect_seconds, " s); test client CPU ", cpu_seconds(), " s");
  REQUIRE_MESSAGE(co.go, "not every thread finished joining within the budget");

  // The senders' "sent" replies give seq -> id; every receiver must see
  // exactly that sequence.
  std::vector<std::string> errors;
  std::vector<std::string> by_seq(user_count);
  for (int i = 0; i < user_count; ++i) {
    auto& s = co.results[i];
    auto who = "user " + std::to_string(i) + ": ";
    if (!s.error.empty())
      errors.push_back(who + s.error);
    else if (!s.joined || s.sent_id.empty())
      errors.push_back(who + (s.joined ? "no sent reply" : "no joined reply"));
    else if (s.sent_seq < 1 || s.sent_seq > user_count || !by_seq[s.sent_seq - 1].empty())
      errors.push_back(who + "sent seq " + std::to_string(s.sent_seq) + " out of range or taken");
    else
      by_seq[s.sent_seq - 1] = s.sent_id;
  }
  std::vector<std::int64_t> expected(user_count);
  for (int k = 0; k < user_count; ++k)
    expected[k] = k + 1;
  std::size_t complete = 0, copies = 0, fewest = user_count;
  for (int i = 0; i < user_count; ++i) {
    auto& s = co.results[i];
    copies += s.seqs.size();
    fewest = std::min(fewest, s.seqs.size());
    if (s.seqs == expected && s.ids == by_seq) {
      ++complete;
      continue;
    }
    std::set<std::string> distinct(s.ids.begin(), s.ids.end());
    errors.push_back("user " + std::to_string(i) + ": " + std::to_string(s.seqs.size())
                     + " messages, " + std::to_string(distinct.size()) + " distinct ids, "
                     + (s.seqs == expected ? "seqs 1..1000 in order" : "seqs not 1..1000")
                     + (s.ids == by_seq ? "" : ", ids differ from the senders'"));
  }
  MESSAGE(copies, " of ", user_count * user_count, " copies delivered, fewest to one user ",
          fewest);
  CHECK(complete == user_count);
  std::string first_errors;
  for (std::size_t k = 0; k < errors.size() && k < 10; ++k)
    first_errors += errors[k] + "\n";
  CHECK_MESSAGE(errors.empty(), errors.size(), " problems, the first:\n", first_errors);

  // Every user that got everything acked it; the sampled ones reconnected
  // and were replayed nothing.
  std::vector<std::string> ack_errors;
  std::size_t acked = 0, reconnected = 0, clean = 0, sample = 0;
  for (int i = 0; i < user_count; ++i) {
    auto& s = co.results[i];
    if (!s.error.empty() || !delivered(s))
      continue; // reported above
    auto who = "user " + std::to_string(i) + ": ";
    if (!s.reconnect_error.empty()) {
      ack_errors.push_back(who + s.reconnect_error);
      continue;
    }
    if (s.acked != static_cast<std::int64_t>(s.ids.size())) {
      ack_errors.push_back(
        who + (s.acked == -1 ? "no acked reply" : "acked count " + std::to_string(s.acked)));
      continue;
    }
    ++acked;
    if (!sampled(i))
      continue;
    ++sample;
    if (!s.reconnected) {
      ack_errors.push_back(who + "did not reconnect");
    } else if (!s.rewelcomed || s.replayed < 0) {
      ack_errors.push_back(who + (s.rewelcomed ? "no replayed frame" : "no welcome")
                           + " after reconnecting");
    } else if (s.replayed != 0 || s.replay_frames != 0) {
      ack_errors.push_back(who + "replayed count " + std::to_string(s.replayed) + " with "
                           + std::to_string(s.replay_frames)
                           + " frames, the first: " + s.replay_first);
    } else {
      ++clean;
    }
    reconnected += s.reconnected ? 1 : 0;
  }
  MESSAGE(acked, " users acked everything; ", reconnected, " of ", sample,
          " sampled users reconnected, ", clean, " with nothing replayed");
  CHECK(clean == sample);
  std::string first_ack_errors;
  for (std::size_t k = 0; k < ack_errors.size() && k < 10; ++k)
    first_ack_errors += ack_errors[k] + "\n";
  CHECK_MESSAGE(ack_errors.empty(), ack_errors.size(), " problems after delivery, the first:\n",
                first_ack_errors);
  CHECK(server.stop() == 0);
}

} // TEST_SUITE("stress")
