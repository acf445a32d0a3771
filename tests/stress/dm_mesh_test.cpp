// DM mesh: 200 users each send a direct to 20 distinct random others while
// half of them are offline. Group A (even users) is online first and sends;
// then A leaves (each at a random moment within 1.5 s, after its acks were
// confirmed, half with a clean close) while group B connects, is replayed
// what A sent it, and sends too, partly to A users still leaving; then A
// comes back and is replayed what B sent it. Every direct that got "sent"
// must reach its recipient, with its sender, recipient and body, and nothing
// else arrives; a copy of an id whose "acked" had arrived fails the test
// (copies of ids delivered but not confirmed acked are allowed and counted).
// Replays list directs in id order. At the end everyone reconnects and is
// replayed nothing. One thread drives all 200 sockets on one io_loop.
#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/stress/dm_client.hpp"
#include "tests/stress/stress_support.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using namespace chat::test::stress;
using namespace chat::test::dm;

namespace {

constexpr int dms_per_user = 20;
// $CHAT_STRESS_SCALE: an even count (groups A and B), and enough users for
// dms_per_user distinct others.
const int user_count = scaled(200, 2, 2 * dms_per_user);
constexpr auto budget = std::chrono::seconds(120);
constexpr auto ack_every = std::chrono::milliseconds(250);

bool in_a(int user) {
  return user % 2 == 0;
}

class mesh {
public:
  mesh(std::uint16_t port, const std::vector<account>& users, std::uint64_t seed)
    : port_(port),
      users_(users),
      rng_(seed) {
    clients.reserve(user_count);
    for (int i = 0; i < user_count; ++i) {
      clients.emplace_back(loop, i);
      std::vector<int> others;
      for (int j = 0; j < user_count; ++j)
        if (j != i)
          others.push_back(j);
      std::shuffle(others.begin(), others.end(), rng_);
      clients.back().targets.assign(others.begin(), others.begin() + dms_per_user);
    }
  }

  io_loop loop; // declared before the clients: destroyed after them
  std::vector<client> clients;
  clock_type::time_point deadline = clock_type::now() + budget;

  clock_type::time_point random_moment(int max_ms) {
    return clock_type::now()
           + std::chrono::milliseconds(std::uniform_int_distribution<int>(0, max_ms)(rng_));
  }

  void connect(client& c) {
    int status = c.ws.connect(port_, "/ws?token=" + users_[c.index].token, time_to(deadline));
    if (status == 101)
      c.online = true;
    else
      c.problem("connect answered " + std::to_string(status) + " " + c.ws.error());
  }

  void close(client& c, bool clean) {
    if (clean)
      c.ws.close();
    { auto old = std::move(c.ws); } // ~ws_client closes the socket and drains its handlers
    c.ws = ws_client(loop);
    c.dropped();
  }

  /// Until done(c) holds for every client, or the deadline.
  template <class Done>
  bool pump_until(Done done) {
    for (;;) {
      bool all = true;
      for (auto& c : clients)
        all = all && done(c);
      if (all || clock_type::now() >= deadline)
        return all;
      step();
    }
  }

private:
  /// Runs the loop briefly; reads, sends what is due, acks, leaves.
  void step() {
    loop.run_for(std::chrono::milliseconds(10));
    auto now = clock_type::now();
    bool flush = now >= next_flush_;
    if (flush)
      next_flush_ = now + ack_every;
    for (auto& c : clients) {
      while (auto text = c.ws.take_text())
        c.handle(*text);
      if (c.online && c.ws.closed()) {
        c.problem("closed by the server, code " + std::to_string(c.ws.close_code().value_or(0)));
        close(c, false);
      }
      while (c.ready() && c.next_k < static_cast<int>(c.send_at.size())
             && now >= c.send_at[c.next_k]) {
        c.send_dm(c.next_k, users_[c.targets[c.next_k]]);
        ++c.next_k;
      }
      if (c.ready() && c.leave_at && now >= *c.leave_at && !c.leaving) {
        c.leaving = true; // the last acks; what comes after them stays unacked
        c.send_acks();
      }
      if (c.leaving && c.acks_out.empty())
        close(c, c.index % 4 == 0);
      else if (c.ready() && !c.leaving && flush)
        c.send_acks();
    }
  }

  std::uint16_t port_;
  const std::vector<account>& users_;
  std::mt19937_64 rng_;
  clock_type::time_point next_flush_;
};

} // namespace

TEST_SUITE("stress") {

TEST_CASE("200 users each DM 20 others while half of them are offline, and every DM arrives "
          "once") {
  raise_fd_limit();
  auto seed = pick_seed();
  MESSAGE("seed ", seed, " (STRESS_SEED=", seed, " repeats the targets and moments)");
  server_process server{{{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}}};
  INFO("server output (tail):\n", server_tail(server.output()));
  auto users = make_users(server.port(), "mesh", user_count);
  auto start = clock_type::now();
  mesh m(server.port(), users, seed);
  auto sends_done = [](client& c) { return c.next_k == dms_per_user && c.sending.empty(); };

  // A online, B offline: A sends.
  for (auto& c : m.clients)
    if (in_a(c.index))
      m.connect(c);
  for (auto& c : m.clients)
    for (int k = 0; in_a(c.index) && k < dms_per_user; ++k)
      c.send_at.push_back(m.random_moment(1000));
  bool a_sent = m.pump_until([&](client& c) { return !in_a(c.index) || sends_done(c); });
  auto a_seconds = seconds_since(start);

  // A leaves while B comes and sends.
  for (auto& c : m.clients)
    if (in_a(c.index))
      c.leave_at = m.random_moment(1500);
  for (auto& c : m.clients)
    if (!in_a(c.index)) {
      m.connect(c);
      for (int k = 0; k < dms_per_user; ++k)
        c.send_at.push_back(m.random_moment(1500));
    }
  bool b_sent = m.pump_until(
    [&](client& c) { return in_a(c.index) ? !c.online : sends_done(c) && c.ready(); });
  auto b_seconds = seconds_since(start);

  // A comes back; everyone waits for what it is owed, and acks it.
  std::map<int, std::set<std::string>> owed; // recipient -> ids
  for (auto& c : m.clients)
    for (auto& s : c.sent)
      owed[s.to].insert(s.id);
  // Everything is sent: what is missing after 20 s is lost, not late.
  m.deadline = std::min(m.deadline, clock_type::now() + std::chrono::seconds(20));
  for (auto& c : m.clients)
    if (in_a(c.index)) {
      c.leave_at.reset();
      m.connect(c);
    }
  bool all_got = m.pump_until([&](client& c) {
    for (auto& id : owed[c.index])
      if (c.got.count(id) == 0)
        return false;
    return c.ready() && c.to_ack.empty() && c.acks_out.empty();
  });
  auto got_seconds = seconds_since(start);

  // Everything acked: a reconnect replays nothing.
  m.deadline = clock_type::now() + std::chrono::seconds(15);
  for (auto& c : m.clients) {
    m.close(c, true);
    c.last_replayed = -1;
    m.connect(c);
  }
  bool reconnected = m.pump_until([](client& c) { return c.last_replayed >= 0; });
  MESSAGE("A sent after ", a_seconds, " s, B after ", b_seconds, " s, all delivered after ",
          got_seconds, " s, reconnected after ", seconds_since(start), " s");
  CHECK(a_sent);
  CHECK(b_sent);
  CHECK(all_got);
  CHECK(reconnected);

  std::vector<std::string> problems;
  std::size_t sent = 0, duplicates = 0, replayed = 0;
  for (auto& c : m.clients) {
    problems.insert(problems.end(), c.problems.begin(), c.problems.end());
    duplicates += c.duplicates;
    replayed += c.replayed_total;
    sent += c.sent.size();
    if (c.last_replayed != 0)
      problems.push_back("user " + std::to_string(c.index) + ": after acking everything, "
                         + std::to_string(c.last_replayed) + " directs were replayed");
    for (auto& s : c.sent) {
      auto& to = m.clients[s.to];
      auto it = to.got.find(s.id);
      json body{{"from", c.index}, {"k", s.k}};
      if (it == to.got.end())
        problems.push_back("direct " + s.id + " from user " + std::to_string(c.index) + " to user "
                           + std::to_string(s.to) + " never arrived");
      else if (it->second.from_id != users[c.index].user_id
               || it->second.to_id != users[s.to].user_id || it->second.body != body)
        problems.push_back("direct " + s.id + " arrived as from " + it->second.from_id + " to "
                           + it->second.to_id + " with " + it->second.body.dump());
    }
    for (auto& [id, g] : c.got)
      if (owed[c.index].count(id) == 0)
        problems.push_back("user " + std::to_string(c.index) + " got " + id
                           + ", which nobody sent it");
  }
  MESSAGE(sent, " directs sent, ", replayed, " replayed, ", duplicates,
          " copies of ids delivered but not confirmed acked");
  CHECK(sent == static_cast<std::size_t>(user_count * dms_per_user));
  CHECK_MESSAGE(problems.empty(), first_of(problems));
  CHECK(server.stop() == 0);
}

} // TEST_SUITE("stress")
