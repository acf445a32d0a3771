// Join/leave storm: 500 users join and leave 20 rooms at random, all at once,
// sending now and then, while a watcher that joined every room first records
// what it sees (storm_worker.hpp drives the users). Afterwards membership and
// presence must agree with what the replies said:
// - per room and user, the watcher's presence events alternate join, leave,
//   join, ... and number exactly the user's joins and leaves (a join of a
//   room one is already in makes none); the last says whether it is a member;
// - `who` lists exactly the users whose last move in the room was a join
//   (plus the watcher), all online, and `rooms` counts them;
// - the watcher got every message of every room once, seqs 1..n in order,
//   n the number of "sent" replies;
// - a sample of users reconnects: its `rooms` marks exactly its rooms.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stress/storm_worker.hpp"
#include "tests/stress/stress_support.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using namespace chat::test::stress;
using namespace chat::test::storm;

namespace {

constexpr auto budget = std::chrono::seconds(120);

/// What the watcher saw of the storm.
struct watch {
  // room -> user id -> its presence events in order (true: join)
  std::map<std::string, std::map<std::string, std::vector<bool>>> presence;
  std::map<std::string, std::vector<std::int64_t>> seqs; // room -> seqs in arrival order
  std::size_t presence_total = 0, message_total = 0;
  std::vector<std::string> to_ack;
  std::vector<std::string> odd; // frames it did not expect

  void take(const std::string& text) {
    auto v = peek(text);
    if (v.type == "message") {
      seqs[v.room].push_back(v.seq);
      to_ack.push_back(v.id);
      ++message_total;
    } else if (v.type == "presence") {
      auto& who = v.doc["user"];
      auto user = who.is_object() ? who.value("user_id", std::string("?")) : "?";
      presence[v.room][user].push_back(v.doc.value("event", std::string()) == "join");
      ++presence_total;
    } else if (v.type != "acked" && odd.size() < 10) {
      odd.push_back(text.substr(0, 200));
    }
  }
};

} // namespace

TEST_SUITE("stress") {

TEST_CASE("a storm of 500 users joining and leaving 20 rooms leaves membership, presence and "
          "who consistent") {
  raise_fd_limit();
  auto seed = pick_seed();
  MESSAGE("seed ", seed, " (STRESS_SEED=", seed, " repeats the moves)");
  server_process server{{{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}}};
  INFO("server output (tail):\n", server_tail(server.output()));
  auto port = server.port();
  auto users = make_users(port, "gust", user_count);
  auto watcher_account = make_account(port, "watcher");
  auto ws = open_session(port, watcher_account.token);
  for (int r = 0; r < room_count; ++r) {
    auto joined = ws.call(make_frame("join", room_name(r)));
    REQUIRE(joined);
    REQUIRE(type_of(*joined) == "joined");
  }

  auto start = clock_type::now();
  auto deadline = start + budget;
  std::vector<user_result> results(user_count);
  std::atomic<int> finished{0};
  std::atomic<bool> release{false};
  thread_errors errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < thread_count; ++t)
    threads.emplace_back([&, t] {
      if (!errors.run([&] {
            worker(port, users, t * per_thread, deadline, seed + 7919 * t, results, finished,
                   release)
              .run();
          }))
        finished = thread_count; // fail fast
    });
  struct releaser { // the workers let go of their users however this test ends
    std::atomic<bool>& release;
    std::vector<std::thread>& threads;
    ~releaser() {
      release = true;
      for (auto& t : threads)
        t.join();
    }
  } at_end{release, threads};
  watch w;
  auto next_ack = clock_type::now();
  auto pump = [&] {
    if (auto text = ws.read_text(std::chrono::milliseconds(20)))
      w.take(*text);
    if (clock_type::now() >= next_ack && !w.to_ack.empty()) {
      ws.send(json{{"action", "ack"}, {"body", {{"ids", w.to_ack}}}});
      w.to_ack.clear();
      next_ack = clock_type::now() + ack_every;
    }
  };
  while (finished < thread_count && clock_type::now() < deadline)
    pump();
  REQUIRE_MESSAGE(errors.list().empty(), first_of(errors.list()));
  REQUIRE_MESSAGE(finished == thread_count, "the storm did not end within the budget");
  auto storm_seconds = seconds_since(start);

  // What the replies say the rooms hold.
  std::map<std::string, std::set<std::string>> expected; // room -> user ids
  std::map<std::string, int> sent;
  std::size_t changes = 0, messages = 0;
  std::vector<std::string> problems;
  for (int i = 0; i < user_count; ++i) {
    auto& r = results[i];
    problems.insert(problems.end(), r.problems.begin(), r.problems.end());
    if (r.answered != moves_per_user)
      problems.push_back("user " + std::to_string(i) + ": " + std::to_string(r.answered) + " of "
                         + std::to_string(moves_per_user) + " moves answered");
    for (auto& room : r.rooms)
      expected[room].insert(users[i].user_id);
    for (auto& [room, n] : r.joins)
      changes += n;
    for (auto& [room, n] : r.leaves)
      changes += n;
    for (auto& [room, n] : r.sent) {
      sent[room] += n;
      messages += n;
    }
  }
  // The watcher's frames may still be on their way: wait for the counts.
  auto settle = clock_type::now() + std::chrono::seconds(20);
  while ((w.presence_total < changes || w.message_total < messages) && clock_type::now() < settle)
    pump();
  for (int k = 0; k < 10; ++k) // whatever comes beyond the counts is a failure
    pump();
  MESSAGE("storm of ", changes, " joins and leaves and ", messages, " messages took ",
          storm_seconds, " s; the watcher saw ", w.presence_total, " presence events and ",
          w.message_total, " messages");
  CHECK(w.presence_total == changes);
  CHECK(w.message_total == messages);
  for (auto& frame : w.odd)
    problems.push_back("the watcher got " + frame);

  // Presence: per room and user, join/leave alternating, matching the replies.
  for (int r = 0; r < room_count; ++r) {
    auto room = room_name(r);
    for (int i = 0; i < user_count; ++i) {
      auto& events = w.presence[room][users[i].user_id];
      auto who = room + ", user " + std::to_string(i) + ": ";
      int joins = 0, leaves = 0;
      for (std::size_t k = 0; k < events.size(); ++k) {
        (events[k] ? joins : leaves) += 1;
        if (events[k] != (k % 2 == 0)) {
          problems.push_back(who + "presence event " + std::to_string(k + 1) + " is a "
                             + (events[k] ? "join" : "leave") + " after a "
                             + (events[k] ? "join" : "leave or nothing"));
          break;
        }
      }
      if (joins != results[i].joins[room] || leaves != results[i].leaves[room])
        problems.push_back(who + std::to_string(joins) + " join and " + std::to_string(leaves)
                           + " leave events for " + std::to_string(results[i].joins[room])
                           + " joins and " + std::to_string(results[i].leaves[room]) + " leaves");
      bool member = expected[room].count(users[i].user_id) > 0;
      if (!events.empty() && events.back() != member)
        problems.push_back(who + "the last presence event disagrees with membership");
    }
    // Messages: every one once, in order.
    auto& seqs = w.seqs[room];
    for (std::size_t k = 0; k < seqs.size(); ++k)
      if (seqs[k] != static_cast<std::int64_t>(k + 1)) {
        problems.push_back(room + ": the watcher's message " + std::to_string(k + 1) + " has seq "
                           + std::to_string(seqs[k]));
        break;
      }
    if (seqs.size() != static_cast<std::size_t>(sent[room]))
      problems.push_back(room + ": the watcher got " + std::to_string(seqs.size())
                         + " messages for " + std::to_string(sent[room]) + " sent");
  }

  // who and rooms agree with the joins minus the leaves.
  for (int r = 0; r < room_count; ++r) {
    auto room = room_name(r);
    auto members = ws.call(make_frame("who", room));
    REQUIRE_MESSAGE(members, "no answer to who ", room);
    std::set<std::string> listed;
    for (auto& m : (*members)["members"]) {
      listed.insert(m.value("user_id", std::string("?")));
      if (!m.value("online", false))
        problems.push_back(room + ": who lists " + m.value("name", std::string("?")) + " offline");
    }
    auto want = expected[room];
    want.insert(watcher_account.user_id);
    std::vector<std::string> differ;
    std::set_symmetric_difference(listed.begin(), listed.end(), want.begin(), want.end(),
                                  std::back_inserter(differ));
    if (!differ.empty())
      problems.push_back(room + ": who lists " + std::to_string(listed.size())
                         + " members, the replies say " + std::to_string(want.size())
                         + "; user ids in one only, the first: " + differ.front());
  }
  auto rooms = ws.call(json{{"action", "rooms"}});
  REQUIRE(rooms);
  int storm_rooms = 0;
  for (auto& entry : (*rooms)["rooms"]) {
    auto name = entry.value("name", std::string());
    if (name.rfind("storm_", 0) != 0)
      continue;
    ++storm_rooms;
    auto count = 1 + static_cast<int>(expected[name].size());
    if (entry.value("members", -1) != count)
      problems.push_back(name + ": rooms counts " + entry["members"].dump()
                         + " members, the replies say " + std::to_string(count));
  }
  CHECK(storm_rooms == room_count);
  for (int i = 0; i < user_count; ++i) {
    if (!resampled(i))
      continue;
    std::map<std::string, bool> want;
    for (int r = 0; r < room_count; ++r)
      want[room_name(r)] = results[i].rooms.count(room_name(r)) > 0;
    if (results[i].listed != want)
      problems.push_back("user " + std::to_string(i) + ": after reconnecting, rooms "
                         + (results[i].rooms_listed ? "marks other rooms" : "never answered"));
  }
  CHECK_MESSAGE(problems.empty(), first_of(problems));
  CHECK(server.stop() == 0);
}

} // TEST_SUITE("stress")
