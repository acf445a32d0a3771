// The client side of the room fan-out stress test (room_fanout_test.cpp):
// one worker per thread drives its share of the users' WebSockets on one
// io_loop, joins them to the room, waits at the barrier, sends one message
// per user and records what each user received. Then every user that got
// all messages acks them in one frame and waits for "acked"; and every
// reconnect_every-th of those closes its socket, connects again and records
// what came between "welcome" and "replayed". Every wait is bounded by the
// test's deadlines.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "tests/stress/stress_support.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test::fanout {

using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr int thread_count = 4;
const int user_count = stress::scaled(1000, thread_count); // $CHAT_STRESS_SCALE
const int per_thread = user_count / thread_count;
constexpr auto budget = std::chrono::seconds(120);      // join + delivery
constexpr auto after_budget = std::chrono::seconds(90); // ack + reconnect
constexpr int reconnect_every = 1; // 1: every user reconnects; n: a sample of 1/n
inline const std::string room = "stress";

struct client_state {
  bool joined = false;
  std::string sent_id;
  std::int64_t sent_seq = 0;
  std::vector<std::int64_t> seqs;
  std::vector<std::string> ids; // in arrival order
  std::string error;
  // After delivery: the ack, then (if sampled) the reconnect.
  std::int64_t acked = -1;       // "count" of the "acked" reply; -1: none came
  bool reconnected = false;      // upgraded again
  bool rewelcomed = false;       // the new connection's welcome came
  std::int64_t replayed = -1;    // "count" of its "replayed" frame; -1: none came
  std::size_t replay_frames = 0; // frames between that welcome and "replayed"
  std::string replay_first;      // the first of them, for messages
  std::string reconnect_error;
};

/// The user received every message and its "sent" reply.
inline bool delivered(const client_state& s) {
  return s.seqs.size() >= static_cast<std::size_t>(user_count) && !s.sent_id.empty();
}

/// The user takes part in the reconnect step.
inline bool sampled(int user) {
  return user % reconnect_every == 0;
}

/// What the main thread hands out and collects; written under `mtx`.
struct coordinator {
  std::mutex mtx;
  std::condition_variable cv;
  int ready_threads = 0;
  std::atomic<bool> go{false};
  std::atomic<bool> abort{false};
  std::vector<client_state> results; // by user index
  double ack_seconds = 0;            // slowest thread's ack step
  double reconnect_seconds = 0;      // slowest thread's reconnect step
};

class worker {
public:
  worker(coordinator& co, std::uint16_t port, const std::vector<account>& users, int first,
         clock_type::time_point deadline)
    : co_(co),
      port_(port),
      users_(users),
      first_(first),
      deadline_(deadline) {}

  void run() {
    for (int i = 0; i < per_thread; ++i)
      clients_.emplace_back(loop_);
    states_.resize(per_thread);
    for (int i = 0; i < per_thread; ++i) {
      int status = clients_[i].connect(port_, "/ws?token=" + users_[first_ + i].token, left());
      if (status != 101)
        states_[i].error = "upgrade answered " + std::to_string(status) + " " + clients_[i].error();
      else
        clients_[i].send(make_frame("join", room), left());
    }
    pump([&](const client_state& s) { return s.joined; });
    {
      std::lock_guard<std::mutex> guard(co_.mtx);
      ++co_.ready_threads;
      co_.cv.notify_all();
    }
    while (!co_.go && !co_.abort && clock_type::now() < deadline_)
      pump_once(std::chrono::milliseconds(20)); // keep draining presence
    if (co_.go) {
      for (int i = 0; i < per_thread; ++i)
        if (clients_[i].is_open())
          clients_[i].send(make_frame("send", room, {{"from", first_ + i}}), left());
      pump(delivered);
      for (int i = 0; i < 5; ++i) // a duplicate would show up now
        pump_once(std::chrono::milliseconds(50));
      if (!co_.abort) {
        deadline_ = clock_type::now() + after_budget;
        ack_all();
        reconnect_sample();
      }
    }
    std::lock_guard<std::mutex> guard(co_.mtx);
    co_.ack_seconds = std::max(co_.ack_seconds, ack_seconds_);
    co_.reconnect_seconds = std::max(co_.reconnect_seconds, reconnect_seconds_);
    for (int i = 0; i < per_thread; ++i)
      co_.results[first_ + i] = std::move(states_[i]);
  }

private:
  enum class phase { deliver, ack, reconnect };

  /// Every user that got everything acks all the ids it received, in one
  /// frame; waits for the "acked" replies.
  void ack_all() {
    auto start = clock_type::now();
    phase_ = phase::ack;
    for (int i = 0; i < per_thread; ++i) {
      auto& s = states_[i];
      if (!s.error.empty() || !delivered(s) || !clients_[i].is_open())
        continue;
      json frame{{"action", "ack"}, {"ref", "ack-all"}};
      frame["body"]["ids"] = s.ids;
      if (!clients_[i].send(frame, left()))
        s.reconnect_error = "ack send failed: " + clients_[i].error();
    }
    pump([&](const client_state& s) {
      return s.acked >= 0 || !delivered(s) || !s.reconnect_error.empty();
    });
    ack_seconds_ = std::chrono::duration<double>(clock_type::now() - start).count();
  }

  /// Every sampled user whose ack was confirmed closes its socket and
  /// connects again; waits for the new connections' "replayed".
  void reconnect_sample() {
    auto start = clock_type::now();
    phase_ = phase::reconnect;
    std::vector<int> chosen;
    for (int i = 0; i < per_thread; ++i)
      if (sampled(first_ + i) && states_[i].acked >= 0 && states_[i].error.empty())
        chosen.push_back(i);
    for (int i : chosen)
      clients_[i].close();
    for (int i : chosen) {
      clients_[i] = ws_client(loop_);
      int status = clients_[i].connect(port_, "/ws?token=" + users_[first_ + i].token, left());
      if (status == 101)
        states_[i].reconnected = true;
      else
        states_[i].reconnect_error
          = "reconnect answered " + std::to_string(status) + " " + clients_[i].error();
    }
    pump([&](const client_state& s) {
      return !s.reconnected || s.replayed >= 0 || !s.reconnect_error.empty();
    });
    reconnect_seconds_ = std::chrono::duration<double>(clock_type::now() - start).count();
  }

  /// What is left of the budget, at most 10 s for one step.
  std::chrono::milliseconds left() const {
    auto rest
      = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - clock_type::now());
    return std::clamp(rest, std::chrono::milliseconds(0), std::chrono::milliseconds(10000));
  }

  template <class Done>
  void pump(Done done) {
    auto all_done = [&] {
      for (auto& s : states_)
        if (s.error.empty() && !done(s))
          return false;
      return true;
    };
    while (!all_done() && !co_.abort && clock_type::now() < deadline_)
      pump_once(std::chrono::milliseconds(100));
  }

  void pump_once(std::chrono::milliseconds wait) {
    loop_.run_for(wait);
    for (int i = 0; i < per_thread; ++i) {
      auto& s = states_[i];
      while (auto text = clients_[i].take_text())
        process(s, *text);
      if (!clients_[i].closed())
        continue;
      auto why
        = "closed by the server, code " + std::to_string(clients_[i].close_code().value_or(0));
      if (phase_ == phase::deliver && s.error.empty())
        s.error = why;
      else if (phase_ == phase::ack && s.acked < 0 && s.reconnect_error.empty())
        s.reconnect_error = "before acked: " + why;
      else if (phase_ == phase::reconnect && s.reconnected && s.replayed < 0
               && s.reconnect_error.empty())
        s.reconnect_error = "after reconnecting: " + why;
    }
  }

  void process(client_state& s, const std::string& text) {
    if (phase_ == phase::reconnect)
      return process_reconnect(s, text);
    // A million frames pass here, in Debug builds too: skip presence and read
    // messages without a full JSON parse when the text is compact JSON.
    if (text.find("\"presence\"") != std::string::npos)
      return;
    std::int64_t seq = 0;
    std::string id;
    if (text.find("\"type\":\"message\"") != std::string::npos
        && stress::detail::scan_int(text, "\"seq\":", seq)
        && stress::detail::scan_string(text, "\"id\":\"", id)) {
      s.seqs.push_back(seq);
      s.ids.push_back(std::move(id));
      return;
    }
    auto frame = json::parse(text, nullptr, false);
    auto type = type_of(frame);
    if (type == "joined") {
      s.joined = true;
    } else if (type == "message") {
      auto& seq_field = frame["seq"];
      s.seqs.push_back(seq_field.is_number_integer() ? seq_field.get<std::int64_t>() : -1);
      s.ids.push_back(frame["id"].is_string() ? frame["id"].get<std::string>() : "?");
    } else if (type == "sent") {
      s.sent_id = frame["id"].is_string() ? frame["id"].get<std::string>() : "?";
      s.sent_seq = frame["seq"].is_number_integer() ? frame["seq"].get<std::int64_t>() : -1;
    } else if (type == "acked") {
      s.acked = frame["count"].is_number_integer() ? frame["count"].get<std::int64_t>() : -2;
    } else if (type == "error" && s.error.empty()) {
      s.error = "error frame: " + text;
    }
  }

  /// Frames of a reconnected socket: its welcome, whatever is replayed
  /// (counted, the first kept), then "replayed"; later frames are ignored.
  void process_reconnect(client_state& s, const std::string& text) {
    if (!s.reconnected || s.replayed >= 0)
      return;
    if (!s.rewelcomed) {
      if (text.find("\"welcome\"") != std::string::npos)
        s.rewelcomed = true;
      return;
    }
    if (text.find("\"replayed\"") != std::string::npos) {
      auto frame = json::parse(text, nullptr, false);
      if (type_of(frame) == "replayed") {
        s.replayed = frame["count"].is_number_integer() ? frame["count"].get<std::int64_t>() : -2;
        return;
      }
    }
    if (s.replay_frames++ == 0)
      s.replay_first = text.substr(0, 200);
  }

  coordinator& co_;
  std::uint16_t port_;
  const std::vector<account>& users_;
  int first_;
  clock_type::time_point deadline_;
  io_loop loop_;
  std::vector<ws_client> clients_;
  std::vector<client_state> states_;
  phase phase_ = phase::deliver;
  double ack_seconds_ = 0;
  double reconnect_seconds_ = 0;
};

} // namespace chat::test::fanout
