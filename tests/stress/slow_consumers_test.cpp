// Slow consumers: 200 readers and a sender in one room, [limits]
// write_queue_max = 64. A burst of 500 messages of 16 KB is sent twice;
// the sender stays at most 100 messages ahead of the slowest reader that
// still reads (a producer that does not outrun its audience). In the first
// burst every reader reads, the stalled-to-be ones too, and they pace the
// sender: their small buffers make them the slowest, and unpaced the server
// would rightly close them as slow consumers already. Before the second
// burst 10 of them (5%) stop reading. Their sockets were opened with an
// 8 KB receive buffer, so what a stalled reader can hide in kernel buffers
// is about the server's send buffer (~4 MB on loopback), less than a burst
// (8 MB). Checked:
// - the 190 others get both bursts whole and in order, and the second burst
//   reaches them all within 3x the time of the first (a ratio, measured in
//   the same run, since the box may be busy);
// - each stalled reader is closed with 1013 (and the log says "slow
//   consumer"); reading again, then reconnecting, it has every message of
//   the second burst from its socket or the replay, the replay in seq order;
// - the server's resident memory stays within 64 MB of where it was.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stress/firehose_readers.hpp"
#include "tests/stress/proc_stats.hpp"
#include "tests/stress/stress_support.hpp"
#include "tests/support/poll.hpp"
#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using namespace chat::test::stress;

namespace {

constexpr int group_count = 2; // reader threads
// $CHAT_STRESS_SCALE shrinks the healthy audience only: the stalled readers
// and the bursts are what make the server close slow consumers.
const int healthy_count = scaled(190, group_count);
constexpr int stalled_count = 10;
constexpr std::size_t burst = 500;
constexpr std::size_t pad_bytes = 16000;
constexpr std::size_t max_lead = 100;   // messages ahead of the slowest healthy reader
constexpr std::size_t send_window = 32; // sends awaiting "sent"
constexpr int stalled_rcvbuf = 8192;
constexpr double slowdown_limit = 3.0;
constexpr long rss_growth_limit_kib = 64 * 1024;
constexpr auto budget = std::chrono::seconds(150);

/// The least message count any of `counts` has reached.
std::size_t least_of(const std::vector<const std::atomic<std::size_t>*>& counts) {
  std::size_t least = std::numeric_limits<std::size_t>::max();
  for (const auto* c : counts)
    least = std::min(least, c->load());
  return least;
}

/// Sends one burst from `sender`, never more than max_lead messages ahead
/// of the least of `pace` (the readers reading); returns the seconds until
/// the least of `healthy` had it all (-1: not within the deadline). Keeps
/// `peak_rss` up to date and adds the ids the sender acked (its own echoes)
/// to `acked`.
double send_burst(ws_client& sender, std::size_t first,
                  const std::vector<const std::atomic<std::size_t>*>& pace,
                  const std::vector<const std::atomic<std::size_t>*>& healthy, pid_t server,
                  long& peak_rss, std::size_t& acked, clock_type::time_point deadline) {
  auto start = clock_type::now();
  auto next_sample = start;
  std::size_t sent = 0, confirmed = 0;
  std::vector<std::string> echoes;
  while (least_of(healthy) < first + burst && clock_type::now() < deadline) {
    auto paced = least_of(pace);
    auto have = paced - std::min(paced, first);
    while (sent < burst && sent - confirmed < send_window && sent < have + max_lead) {
      auto frame
        = make_frame("send", firehose, {{"n", first + sent}, {"pad", std::string(pad_bytes, 'x')}});
      frame["ref"] = first + sent;
      if (!sender.send(frame))
        return -1;
      ++sent;
    }
    if (auto text = sender.read_text(std::chrono::milliseconds(2))) {
      auto v = peek(*text);
      confirmed += v.type == "sent" ? 1 : 0;
      if (v.type == "message")
        echoes.push_back(v.id);
    }
    if (echoes.size() >= 100) {
      sender.send(ack_frame(echoes));
      acked += echoes.size();
      echoes.clear();
    }
    if (clock_type::now() >= next_sample) {
      peak_rss = std::max(peak_rss, rss_kib(server));
      next_sample = clock_type::now() + std::chrono::milliseconds(20);
    }
  }
  if (least_of(healthy) < first + burst) {
    // Where it stuck: a reader that stopped getting messages, or the sender
    // waiting for "sent" replies that never came.
    MESSAGE("burst from ", first, " not delivered in time: sent ", sent, ", confirmed ", confirmed,
            ", least count of the pacing readers ", least_of(pace), ", of the healthy ones ",
            least_of(healthy));
    return -1;
  }
  return seconds_since(start);
}

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1))
    ++n;
  return n;
}

} // namespace

TEST_SUITE("stress") {

TEST_CASE("5% of the clients stop reading: the others are not slowed beyond 3x, the stalled ones "
          "are closed with 1013 and catch up by replay, and server memory stays bounded") {
  raise_fd_limit();
  server_process server{{{"limits.write_queue_max", "64"},
                         {"limits.messages_per_second", "100000"},
                         {"limits.burst", "100000"},
                         {"delivery.backlog_max", "2000"}}};
  INFO("server output (tail):\n", server_tail(server.output()));
  auto port = server.port();
  auto users = make_users(port, "hose", healthy_count + stalled_count + 1);
  auto sender = open_session(port, users.back().token);
  REQUIRE(sender.call(make_frame("join", firehose)));
  std::vector<std::unique_ptr<reader_group>> groups;
  std::vector<const std::atomic<std::size_t>*> healthy; // each group's least count
  for (int g = 0; g < group_count; ++g) {
    auto per = healthy_count / group_count;
    groups.push_back(std::make_unique<reader_group>(
      port, std::vector<account>(users.begin() + g * per, users.begin() + (g + 1) * per)));
    healthy.push_back(&groups.back()->lowest);
  }
  stalled_group stalled(port,
                        std::vector<account>(users.begin() + healthy_count,
                                             users.begin() + healthy_count + stalled_count),
                        stalled_rcvbuf);
  auto everyone = healthy;
  everyone.push_back(&stalled.lowest);
  std::atomic<bool> stop{false}, reading{true};
  thread_errors errors;
  stopping_threads threads([&] { stop = true; });
  for (auto& g : groups)
    threads.spawn([&, g = g.get()] { errors.run([&] { g->run(stop); }); });
  stopping_threads stalled_thread([&] { reading = false; });
  stalled_thread.spawn([&] { errors.run([&] { stalled.run(reading); }); });
  auto deadline = clock_type::now() + budget;
  long rss0 = rss_kib(server.pid()), peak = rss0;

  // Everyone reads.
  std::size_t sender_acked = 0;
  auto t1 = send_burst(sender, 0, everyone, healthy, server.pid(), peak, sender_acked, deadline);
  auto caught_up_by = std::min(deadline, clock_type::now() + std::chrono::seconds(20));
  while (stalled.lowest < burst && clock_type::now() < caught_up_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE_MESSAGE(stalled.lowest >= burst, "while still reading, a stalled-to-be reader got only ",
                  stalled.lowest.load(), " of burst 1 (closed as a slow consumer?)");
  // Burst 1's acks land: every reader's (the healthy ones ack every 250 ms)
  // and the sender's for its echoes, before memory is measured again.
  auto readers = static_cast<double>(healthy_count + stalled_count);
  auto all_acks = readers * burst + static_cast<double>(sender_acked);
  CHECK_MESSAGE(poll_until([&] { return metric(port, "chat_acks_total") >= all_acks; }),
                "the acks of burst 1 did not all reach the server: chat_acks_total is ",
                metric(port, "chat_acks_total"), " of ", all_acks);
  long rss1 = rss_kib(server.pid());
  peak = rss1;

  // 5% stop reading.
  reading = false;
  stalled_thread.join();
  auto t2 = send_burst(sender, burst, healthy, healthy, server.pid(), peak, sender_acked, deadline);
  auto closed_by = clock_type::now() + std::chrono::seconds(20);
  while (count_of(server.output(), "closing slow consumer") < stalled_count
         && clock_type::now() < closed_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  peak = std::max(peak, rss_kib(server.pid()));
  stop = true;
  threads.join();
  stalled.drain(std::chrono::seconds(5));
  MESSAGE("burst 1: ", t1, " s, burst 2 with ", stalled_count, " readers stalled: ", t2,
          " s; server VmRSS ", rss0, " KiB at the start, ", rss1, " after burst 1, peak ", peak,
          " in burst 2");
  REQUIRE_MESSAGE(errors.list().empty(), first_of(errors.list()));
  REQUIRE(t1 > 0);
  CHECK(t2 > 0); // not REQUIRE: the checks below say which reader fell short
  CHECK(t2 <= slowdown_limit * std::max(t1, 0.5));
  CHECK(peak - rss0 <= rss_growth_limit_kib);

  // The healthy readers: everything, once, in order, and never closed.
  std::vector<std::string> problems;
  const auto& reference = groups[0]->logs[0].ids; // id by seq - 1
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (std::size_t i = 0; i < groups[g]->logs.size(); ++i) {
      auto& log = groups[g]->logs[i];
      auto who = "reader " + std::to_string(g) + "/" + std::to_string(i) + ": ";
      bool in_order = log.seqs.size() == 2 * burst;
      for (std::size_t k = 0; in_order && k < log.seqs.size(); ++k)
        in_order = log.seqs[k] == static_cast<std::int64_t>(k + 1);
      if (!in_order || log.ids != reference)
        problems.push_back(who + std::to_string(log.seqs.size()) + " messages, not seqs 1.."
                           + std::to_string(2 * burst) + " in order with the same ids");
      if (log.close_code)
        problems.push_back(who + "closed with " + std::to_string(*log.close_code));
      for (auto& p : log.problems)
        problems.push_back(who + p);
    }

  // The stalled readers: closed with 1013, then caught up by replay.
  CHECK(count_of(server.output(), "closing slow consumer") == stalled_count);
  std::size_t read_before = 0, replayed = 0;
  for (int i = 0; i < stalled_count; ++i) {
    auto& log = stalled.logs[i];
    auto who = "stalled reader " + std::to_string(i) + ": ";
    if (log.close_code != 1013)
      problems.push_back(who + "close code " + std::to_string(log.close_code.value_or(-1)));
    replay r;
    auto ws = connect_replay(port, users[healthy_count + i], r);
    std::set<std::string> have(log.ids.begin(), log.ids.end());
    std::int64_t last = 0;
    for (auto& f : r.frames) {
      auto seq = f.value("seq", std::int64_t{-1});
      if (seq <= last)
        problems.push_back(who + "replayed seq " + std::to_string(seq) + " after "
                           + std::to_string(last));
      last = seq;
      have.insert(f.value("id", std::string("?")));
    }
    std::size_t missing = 0;
    for (std::size_t k = burst; k < reference.size(); ++k)
      missing += have.count(reference[k]) == 0 ? 1 : 0;
    if (r.done.is_null() || missing > 0)
      problems.push_back(who + std::to_string(missing) + " messages of burst 2 missing after "
                         + std::to_string(log.ids.size()) + " read and "
                         + std::to_string(r.frames.size()) + " replayed");
    read_before += log.ids.size() - burst;
    replayed += r.frames.size();
  }
  MESSAGE("the stalled readers read ", read_before, " messages of burst 2 before their close, ",
          "and were replayed ", replayed);
  CHECK_MESSAGE(problems.empty(), problems.size(), " problems, the first: ", first_of(problems));
  CHECK(server.stop() == 0);
}

} // TEST_SUITE("stress")
