// The readers of the slow-consumer stress test (slow_consumers_test.cpp).
// A `reader_group` is one thread driving healthy WebSocket readers on one
// io_loop: it records the seqs each one gets, acks them every 250 ms and
// publishes the lowest count any of them has reached (the sender paces
// itself on it). A `stalled_group` is one thread driving the stalled clients
// (stalled_client.hpp): while `reading` it reads and acks like the others;
// when the test clears `reading` it stops touching their sockets.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <poll.h>

#include "tests/stress/stalled_client.hpp"
#include "tests/stress/stress_support.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test::stress {

inline const std::string firehose = "firehose";

/// What one reader saw of the room.
struct reader_log {
  std::vector<std::int64_t> seqs;         // in arrival order
  std::vector<std::string> ids;           // in arrival order
  std::vector<clock_type::time_point> at; // arrival times
  std::vector<std::string> problems;
  std::optional<int> close_code; // if the server closed it
  bool joined = false;

  void take(const std::string& text, std::vector<std::string>& to_ack) {
    auto v = peek(text);
    if (v.type == "message") {
      seqs.push_back(v.seq);
      ids.push_back(v.id);
      at.push_back(clock_type::now());
      to_ack.push_back(v.id);
    } else if (v.type == "joined") {
      joined = true;
    } else if (v.type == "error" && problems.size() < 5) {
      problems.push_back(text.substr(0, 200));
    }
  }
};

class reader_group {
public:
  reader_group(std::uint16_t port, const std::vector<account>& users) {
    for (auto& acc : users) {
      clients_.emplace_back(loop_);
      if (clients_.back().connect(port, "/ws?token=" + acc.token) != 101)
        throw std::runtime_error("reader " + acc.name + ": upgrade failed");
      auto joined = clients_.back().call(make_frame("join", firehose));
      if (!joined || type_of(*joined) != "joined")
        throw std::runtime_error("reader " + acc.name + ": join failed");
    }
    logs.resize(users.size());
    acks_.resize(users.size());
  }

  std::vector<reader_log> logs; // read by others once stop() returned
  std::atomic<std::size_t> lowest{0};

  void run(const std::atomic<bool>& stop) {
    auto next_ack = clock_type::now();
    while (!stop) {
      loop_.run_for(std::chrono::milliseconds(10));
      auto least = std::numeric_limits<std::size_t>::max();
      bool flush = clock_type::now() >= next_ack;
      for (std::size_t i = 0; i < clients_.size(); ++i) {
        while (auto text = clients_[i].take_text())
          logs[i].take(*text, acks_[i]);
        if (clients_[i].closed() && !logs[i].close_code)
          logs[i].close_code = clients_[i].close_code();
        least = std::min(least, logs[i].seqs.size());
        if (flush && !acks_[i].empty() && clients_[i].is_open()) {
          clients_[i].send(json{{"action", "ack"}, {"body", {{"ids", acks_[i]}}}});
          acks_[i].clear();
        }
      }
      if (flush)
        next_ack = clock_type::now() + std::chrono::milliseconds(250);
      lowest = least;
    }
  }

private:
  io_loop loop_; // before the clients: destroyed after them
  std::vector<ws_client> clients_;
  std::vector<std::vector<std::string>> acks_;
};

class stalled_group {
public:
  stalled_group(std::uint16_t port, const std::vector<account>& users, int rcvbuf_bytes) {
    for (auto& acc : users) {
      clients_.push_back(std::make_unique<stalled_client>(port, acc.token, rcvbuf_bytes));
      clients_.back()->send_text(make_frame("join", firehose).dump());
    }
    logs.resize(users.size());
    std::vector<std::string> ignored;
    auto deadline = clock_type::now() + std::chrono::seconds(10);
    for (std::size_t i = 0; i < clients_.size(); ++i)
      while (!logs[i].joined) {
        if (clock_type::now() > deadline || !read(i, ignored))
          throw std::runtime_error("a stalled client's join was not answered");
        pollfd p{clients_[i]->fd(), POLLIN, 0};
        ::poll(&p, 1, 20);
      }
  }

  std::vector<reader_log> logs;
  std::atomic<std::size_t> lowest{0};

  std::size_t size() const { return clients_.size(); }

  /// Reads while `reading`; stops touching the sockets when it is cleared.
  void run(const std::atomic<bool>& reading) {
    std::vector<pollfd> fds;
    for (auto& c : clients_)
      fds.push_back({c->fd(), POLLIN, 0});
    while (reading) {
      ::poll(fds.data(), fds.size(), 10);
      auto least = std::numeric_limits<std::size_t>::max();
      for (std::size_t i = 0; i < clients_.size(); ++i) {
        std::vector<std::string> to_ack;
        read(i, to_ack);
        if (!to_ack.empty())
          clients_[i]->send_text(json{{"action", "ack"}, {"body", {{"ids", to_ack}}}}.dump());
        least = std::min(least, logs[i].seqs.size());
      }
      lowest = least;
    }
  }

  /// Reads what each socket still holds, up to the server's close frame (or
  /// EOF, or `patience` without a byte); acks nothing: the connections are over.
  void drain(std::chrono::milliseconds patience) {
    std::vector<std::string> ignored;
    for (std::size_t i = 0; i < clients_.size(); ++i) {
      while (read(i, ignored) && !clients_[i]->close_code) {
        pollfd p{clients_[i]->fd(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(patience.count())) <= 0)
          break;
      }
      logs[i].close_code = clients_[i]->close_code;
    }
  }

private:
  bool read(std::size_t i, std::vector<std::string>& to_ack) {
    bool open = clients_[i]->poll_read();
    for (auto& text : clients_[i]->texts)
      logs[i].take(text, to_ack);
    clients_[i]->texts.clear();
    return open;
  }

  std::vector<std::unique_ptr<stalled_client>> clients_;
};

} // namespace chat::test::stress
