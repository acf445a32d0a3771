// The client side of the room fan-out stress test (room_fanout_test.cpp):
// one worker per thread drives its share of the users' WebSockets on one
// io_loop, joins them to the room, waits at the barrier, sends one message
// per user and records what each user received. Every wait is bounded by the
// test's deadline.
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

#include "tests/support/http_client.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test::fanout {

using clock_type = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr int user_count = 1000;
constexpr int thread_count = 4;
constexpr int per_thread = user_count / thread_count;
constexpr auto budget = std::chrono::seconds(120);
inline const std::string room = "stress";

struct client_state {
  bool joined = false;
  std::string sent_id;
  std::int64_t sent_seq = 0;
  std::vector<std::int64_t> seqs;
  std::vector<std::string> ids; // in arrival order
  std::string error;
};

/// What the main thread hands out and collects; written under `mtx`.
struct coordinator {
  std::mutex mtx;
  std::condition_variable cv;
  int ready_threads = 0;
  std::atomic<bool> go{false};
  std::atomic<bool> abort{false};
  std::vector<client_state> results; // by user index
};

class worker {
public:
  worker(coordinator& co, std::uint16_t port, const std::vector<account>& users, int first,
         clock_type::time_point deadline)
      : co_(co), port_(port), users_(users), first_(first), deadline_(deadline) {}

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
      pump(
          [&](const client_state& s) { return s.seqs.size() >= user_count && !s.sent_id.empty(); });
      for (int i = 0; i < 5; ++i) // a duplicate would show up now
        pump_once(std::chrono::milliseconds(50));
    }
    std::lock_guard<std::mutex> guard(co_.mtx);
    for (int i = 0; i < per_thread; ++i)
      co_.results[first_ + i] = std::move(states_[i]);
  }

private:
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
      while (auto text = clients_[i].take_text())
        process(states_[i], *text);
      if (clients_[i].closed() && states_[i].error.empty())
        states_[i].error
            = "closed by the server, code " + std::to_string(clients_[i].close_code().value_or(0));
    }
  }

  void process(client_state& s, const std::string& text) {
    // A million frames pass here, in Debug builds too: skip presence and read
    // messages without a full JSON parse when the text is compact JSON.
    if (text.find("\"presence\"") != std::string::npos)
      return;
    std::int64_t seq = 0;
    std::string id;
    if (text.find("\"type\":\"message\"") != std::string::npos && scan(text, "\"seq\":", seq)
        && scan(text, "\"id\":\"", id)) {
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
    } else if (type == "error" && s.error.empty()) {
      s.error = "error frame: " + text;
    }
  }

  /// The integer right after `key` (e.g. "seq":).
  static bool scan(const std::string& text, const char* key, std::int64_t& out) {
    auto pos = text.find(key);
    if (pos == std::string::npos)
      return false;
    char* end = nullptr;
    const char* start = text.c_str() + pos + std::strlen(key);
    out = std::strtoll(start, &end, 10);
    return end != start;
  }

  /// The string right after `key` (e.g. "id":"), up to the next quote.
  static bool scan(const std::string& text, const char* key, std::string& out) {
    auto pos = text.find(key);
    if (pos == std::string::npos)
      return false;
    pos += std::strlen(key);
    auto end = text.find('"', pos);
    if (end == std::string::npos || text.find('\\', pos) < end)
      return false; // escapes: leave it to the JSON parser
    out = text.substr(pos, end - pos);
    return true;
  }

  coordinator& co_;
  std::uint16_t port_;
  const std::vector<account>& users_;
  int first_;
  clock_type::time_point deadline_;
  io_loop loop_;
  std::vector<ws_client> clients_;
  std::vector<client_state> states_;
};

} // namespace chat::test::fanout
