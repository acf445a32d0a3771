// The client side of the room churn stress test (rooms_churn_test.cpp): one
// worker per thread drives 250 users (churn_client.hpp) on one io_loop. Each
// user connects and joins its room(s); after the barrier it sends its 20
// messages at random moments of a 15 s window, without waiting for "sent"
// (a user that was away sends what fell due at once when it is back). A
// churner also drops its socket twice at random moments (half the time with
// a clean close, half by closing the TCP socket), stays away 50-1000 ms and
// connects again. Users ack what they receive in batches, as the browser
// client does (every 250 ms, or at 200 ids). Once the main thread has
// published each room's message count (from history), the worker waits until
// every user has them all and every ack is confirmed; then each churner
// closes cleanly, connects again and records what was replayed.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "tests/stress/churn_client.hpp"
#include "tests/stress/stress_support.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test::churn {

constexpr int thread_count = 4;
// $CHAT_STRESS_SCALE shrinks users and rooms alike: still ~20 users a room.
const int user_count = scaled(1000, thread_count);
const int room_count = scaled(50);
constexpr int messages_per_user = 20;
const int per_thread = user_count / thread_count;
constexpr int drops_per_churner = 2;
constexpr int send_window_ms = 15000;
constexpr auto ack_every = std::chrono::milliseconds(250);
constexpr std::size_t ack_batch = 200;

inline bool churner(int user) {
  return user % 10 == 3; // 10% of the users
}

inline std::string room_name(int r) {
  return "churn_" + std::to_string(r);
}

/// Every user is in room user % 50; a churner in a second room too, so its
/// replays span rooms.
inline std::vector<std::string> rooms_of(int user) {
  std::vector<std::string> rooms{room_name(user % room_count)};
  if (churner(user)) {
    int second = (user / 10) % room_count;
    if (second == user % room_count)
      second = (second + 1) % room_count;
    rooms.push_back(room_name(second));
  }
  return rooms;
}

struct coordinator {
  std::mutex mtx;
  std::condition_variable cv;
  int joined_threads = 0; // guarded by mtx, like sent_threads
  int sent_threads = 0;
  std::atomic<bool> go{false};
  std::atomic<bool> abort{false};
  std::atomic<bool> truth_ready{false};
  std::map<std::string, std::size_t> truth; // room -> messages stored; set before truth_ready
  std::vector<user_result> results;
};

class worker {
public:
  worker(coordinator& co, std::uint16_t port, const std::vector<account>& users, int first,
         clock_type::time_point deadline, std::uint64_t seed)
    : co_(co),
      port_(port),
      users_(users),
      first_(first),
      co_deadline_(deadline),
      deadline_(deadline),
      rng_(seed) {}

  void run() {
    clients_.reserve(per_thread);
    for (int i = 0; i < per_thread; ++i) {
      clients_.emplace_back(loop_, first_ + i);
      clients_.back().r.rooms = rooms_of(first_ + i);
    }
    for (auto& c : clients_) {
      connect(c);
      for (auto& room : c.r.rooms)
        c.ws.send(make_frame("join", room), time_to(deadline_));
    }
    pump_until([&](client& c) { return c.ready() && c.joined == c.r.rooms.size(); });
    arrive(co_.joined_threads);
    while (!co_.go && running())
      step();
    schedule();
    pump_until([&](client& c) {
      return c.next_k == messages_per_user && c.sending.empty() && c.drops.empty() && c.ready();
    });
    arrive(co_.sent_threads);
    while (!co_.truth_ready && running())
      step();
    // Everything is sent: what is missing now is lost, not late.
    deadline_ = std::min(deadline_, clock_type::now() + std::chrono::seconds(30));
    if (co_.truth_ready)
      pump_until([&](client& c) {
        c.r.complete = c.complete(co_.truth);
        return c.r.complete;
      });
    deadline_ = std::min(co_deadline_, clock_type::now() + std::chrono::seconds(15));
    for (auto& c : clients_)
      if (churner(c.index) && c.r.complete && !co_.abort) {
        c.final_phase = true;
        drop(c, true);
        connect(c);
      }
    pump_until([&](client& c) { return !c.final_phase || c.r.final_replayed >= 0; });
    std::lock_guard<std::mutex> guard(co_.mtx);
    for (auto& c : clients_)
      co_.results[c.index] = std::move(c.r);
  }

private:
  bool running() const { return !co_.abort && clock_type::now() < deadline_; }

  void arrive(int& counter) {
    std::lock_guard<std::mutex> guard(co_.mtx);
    ++counter;
    co_.cv.notify_all();
  }

  std::chrono::milliseconds random_ms(int lo, int hi) {
    return std::chrono::milliseconds(std::uniform_int_distribution<int>(lo, hi)(rng_));
  }

  /// Random moments within the window for the sends and the churners' drops.
  void schedule() {
    auto now = clock_type::now();
    for (auto& c : clients_) {
      for (int k = 0; k < messages_per_user; ++k)
        c.send_at.push_back(now + random_ms(0, send_window_ms));
      for (int d = 0; churner(c.index) && d < drops_per_churner; ++d)
        c.drops.push_back(now + random_ms(send_window_ms / 20, send_window_ms * 9 / 10));
      std::sort(c.send_at.begin(), c.send_at.end());
      std::sort(c.drops.begin(), c.drops.end());
    }
  }

  template <class Done>
  void pump_until(Done done) {
    auto all_done = [&] {
      bool all = true;
      for (auto& c : clients_)
        all = done(c) && all; // every client's done() runs: it may record
      return all;
    };
    while (!all_done() && running())
      step();
  }

  /// Runs the loop briefly, then reads, drops, reconnects, sends and acks.
  void step() {
    loop_.run_for(std::chrono::milliseconds(10));
    auto now = clock_type::now();
    bool flush = now >= next_flush_;
    if (flush)
      next_flush_ = now + ack_every;
    for (auto& c : clients_) {
      while (auto text = c.ws.take_text())
        c.handle(*text);
      if (c.online && c.ws.closed()) {
        c.problem("closed by the server, code " + std::to_string(c.ws.close_code().value_or(0)));
        drop(c, false);
      }
      if (!c.online) {
        if (clock_type::now() >= c.back_at)
          connect(c);
        continue;
      }
      if (!c.drops.empty() && now >= c.drops.front()) {
        c.drops.erase(c.drops.begin());
        drop(c, rng_() % 2 == 0);
        continue;
      }
      while (c.ready() && c.next_k < static_cast<int>(c.send_at.size())
             && now >= c.send_at[c.next_k])
        send_next(c);
      if (c.ready() && (flush || c.to_ack.size() >= ack_batch) && !c.to_ack.empty())
        send_acks(c);
    }
  }

  void connect(client& c) {
    int status = c.ws.connect(port_, "/ws?token=" + users_[c.index].token, time_to(deadline_));
    if (status == 101) {
      c.online = true;
      ++c.r.connections;
      return;
    }
    c.problem("connect answered " + std::to_string(status) + " " + c.ws.error());
    reset_socket(c);
    c.back_at = clock_type::now() + std::chrono::milliseconds(500);
  }

  /// Leaves with a clean close, or by closing the TCP socket.
  void drop(client& c, bool clean) {
    if (clean)
      c.ws.close();
    reset_socket(c);
    c.dropped();
    c.back_at = clock_type::now() + random_ms(50, 1000);
  }

  void reset_socket(client& c) {
    { auto old = std::move(c.ws); } // ~ws_client closes the socket and drains its handlers
    c.ws = ws_client(loop_);
  }

  void send_next(client& c) {
    auto room = c.r.rooms[c.next_k % c.r.rooms.size()];
    auto frame = make_frame("send", room, {{"u", c.index}, {"k", c.next_k}});
    frame["ref"] = "s" + std::to_string(c.next_k);
    c.sending[c.next_k++] = room;
    if (!c.ws.send(frame, time_to(deadline_)))
      c.problem("send failed: " + c.ws.error());
  }

  void send_acks(client& c) {
    auto ref = "a" + std::to_string(++c.acks_sent);
    json frame{{"action", "ack"}, {"ref", ref}, {"body", {{"ids", c.to_ack}}}};
    if (c.ws.send(frame, time_to(deadline_)))
      c.acks_out[ref] = std::move(c.to_ack);
    c.to_ack.clear();
  }

  coordinator& co_;
  std::uint16_t port_;
  const std::vector<account>& users_;
  int first_;
  clock_type::time_point co_deadline_; // the test's
  clock_type::time_point deadline_;    // the current phase's
  std::mt19937_64 rng_;
  io_loop loop_;
  std::vector<client> clients_;
  clock_type::time_point next_flush_;
};

} // namespace chat::test::churn
