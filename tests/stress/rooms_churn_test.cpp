// Delivery under reconnect churn: 1000 users spread over 50 rooms (20 each;
// the 100 churners are in a second room too) each send 20 messages while
// every churner drops its socket twice at random moments and comes back.
// Afterwards each room's history is the ground truth (its seqs 1..n without a
// gap, every "sent" id in it with its seq) and every member must have
// received every message of its rooms, live or replayed, and nothing else.
// Duplicates are allowed only for ids delivered but never confirmed acked:
// a copy of an id whose "acked" had arrived fails the test, and so does a
// seq of a room that does not increase within one connection (replay
// included). Finally each churner, all acked, reconnects and is replayed
// nothing. The workers are in churn_worker.hpp; every wait is bounded.
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stress/churn_worker.hpp"
#include "tests/stress/proc_stats.hpp"
#include "tests/stress/stress_support.hpp"
#include "tests/support/server_process.hpp"

using namespace chat::test;
using namespace chat::test::stress;
using namespace chat::test::churn;

namespace {

constexpr auto budget = std::chrono::seconds(180);

/// Waits until `counter` (guarded by co.mtx) reaches thread_count.
bool wait_threads(coordinator& co, int& counter, clock_type::time_point deadline) {
  std::unique_lock<std::mutex> guard(co.mtx);
  return co.cv.wait_until(guard, deadline, [&] { return counter == thread_count || co.abort; })
         && !co.abort;
}

} // namespace

TEST_SUITE("stress") {

TEST_CASE("1000 users in 50 rooms, 10% of them reconnecting at random moments, each get every "
          "message of their rooms exactly once and in seq order") {
  raise_fd_limit();
  auto seed = pick_seed();
  MESSAGE("seed ", seed, " (STRESS_SEED=", seed, " repeats the schedule)");
  server_process server{{{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}}};
  INFO("server output (tail):\n", server_tail(server.output()));
  auto start = clock_type::now();
  auto users = make_users(server.port(), "churn", user_count);
  MESSAGE("registered and logged in ", user_count, " users in ", seconds_since(start), " s");

  start = clock_type::now();
  auto deadline = start + budget;
  coordinator co;
  co.results.resize(user_count);
  thread_errors errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t)
    threads.emplace_back([&, t] {
      if (!errors.run([&] {
            worker(co, server.port(), users, t * per_thread, deadline, seed + 7919 * t).run();
          })) {
        std::lock_guard<std::mutex> guard(co.mtx);
        co.abort = true;
        co.cv.notify_all();
      }
    });
  bool joined = wait_threads(co, co.joined_threads, deadline);
  co.go = joined;
  auto joined_at = seconds_since(start);
  bool sent = joined && wait_threads(co, co.sent_threads, deadline);
  auto sent_at = seconds_since(start);
  // Nothing is sent any more: history is the truth of what each room holds.
  std::map<std::string, std::vector<stored_message>> history;
  std::vector<std::string> problems;
  std::string history_error;
  try {
    for (int r = 0; sent && r < room_count; ++r)
      history[room_name(r)] = room_history(server.port(), room_name(r), users[r].token);
  } catch (const std::exception& e) {
    history_error = e.what();
  }
  for (auto& [room, messages] : history)
    co.truth[room] = messages.size();
  co.truth_ready = sent && history_error.empty();
  co.abort = !co.truth_ready;
  for (auto& t : threads)
    t.join();
  MESSAGE("joined after ", joined_at, " s, all sent after ", sent_at, " s, done after ",
          seconds_since(start), " s");
  REQUIRE_MESSAGE(errors.list().empty(), first_of(errors.list()));
  REQUIRE_MESSAGE(joined, "not every user joined within the budget");
  REQUIRE_MESSAGE(sent, "not every user sent its messages within the budget");
  REQUIRE_MESSAGE(history_error.empty(), history_error);

  // The rooms' logs: seqs 1..n, and every confirmed send in them.
  std::map<std::string, std::map<std::string, std::int64_t>> seq_of; // room -> id -> seq
  std::map<std::string, std::size_t> confirmed, unknown;             // per room
  for (auto& [room, messages] : history) {
    for (std::size_t k = 0; k < messages.size(); ++k) {
      if (messages[k].seq != static_cast<std::int64_t>(k + 1))
        problems.push_back(room + ": history holds seq " + std::to_string(messages[k].seq)
                           + " at position " + std::to_string(k + 1));
      seq_of[room][messages[k].id] = messages[k].seq;
    }
  }
  for (int i = 0; i < user_count; ++i) {
    auto& r = co.results[i];
    for (auto& s : r.sent) {
      ++confirmed[s.room];
      auto it = seq_of[s.room].find(s.id);
      if (it == seq_of[s.room].end() || it->second != s.seq)
        problems.push_back("user " + std::to_string(i) + ": sent " + s.id + " (seq "
                           + std::to_string(s.seq) + ") is not in the history of " + s.room);
    }
    for (auto& room : r.unknown_sends)
      ++unknown[room];
  }
  for (auto& [room, messages] : history)
    if (messages.size() < confirmed[room] || messages.size() > confirmed[room] + unknown[room])
      problems.push_back(room + ": " + std::to_string(messages.size()) + " stored, "
                         + std::to_string(confirmed[room]) + " confirmed sends and "
                         + std::to_string(unknown[room]) + " of unknown fate");

  // Every member got every message of its rooms, nothing else, nothing twice
  // beyond what the ack rules allow.
  std::size_t copies = 0, duplicates = 0, replayed = 0, complete = 0, reconnects = 0;
  std::size_t unknown_total = 0;
  for (int i = 0; i < user_count; ++i) {
    auto& r = co.results[i];
    auto who = "user " + std::to_string(i) + ": ";
    problems.insert(problems.end(), r.problems.begin(), r.problems.end());
    duplicates += r.allowed_duplicates;
    replayed += r.replayed_messages;
    reconnects += r.connections > 0 ? r.connections - 1 : 0;
    unknown_total += r.unknown_sends.size();
    complete += r.complete ? 1 : 0;
    std::size_t owed = 0;
    for (auto& room : r.rooms) {
      owed += seq_of[room].size();
      std::size_t missing = 0;
      std::string first_missing;
      for (auto& [id, seq] : seq_of[room])
        if (r.copies.count(id) == 0 && missing++ == 0)
          first_missing = cat(id, " (seq ", seq, ")");
      if (missing > 0)
        problems.push_back(
          cat(who, missing, " messages of ", room, " never arrived, the first ", first_missing));
    }
    for (auto& [id, n] : r.copies) {
      copies += n;
      auto& [room, seq] = r.where[id];
      auto it = seq_of[room].find(id);
      if (it == seq_of[room].end() || it->second != seq)
        problems.push_back(
          cat(who, "got ", id, " as ", room, " seq ", seq, ", which history does not hold"));
    }
    if (r.copies.size() != owed)
      problems.push_back(cat(who, r.copies.size(), " distinct messages, owed ", owed));
    if (churner(i) && r.final_replayed != 0)
      problems.push_back(cat(who, "after acking everything, a reconnect was replayed ",
                             r.final_replayed, " messages"));
  }
  MESSAGE(copies, " copies delivered (", replayed, " by replay, ", duplicates,
          " duplicates of unconfirmed acks); ", reconnects, " reconnects; ", unknown_total,
          " sends cut off before \"sent\"; ", complete, " of ", user_count, " users complete");
  CHECK(complete == user_count);
  CHECK_MESSAGE(problems.empty(), first_of(problems));
  MESSAGE("server CPU ", cpu_seconds(server.pid()), " s");
  CHECK(server.stop() == 0);
}

} // TEST_SUITE("stress")
