// Idle WebSocket sockets, watched by one timer per I/O thread instead of one
// per socket. Beast's own idle timeout keeps a timer wait pending on every
// socket (~0.2 KiB each, bench/profile.md "memory per idle connection") and
// cancels and re-arms it on every read from the socket. Here a socket only
// notes the time of what it last heard; a sweep a few times per timeout pings
// the ones silent for half of it and drops the ones silent for all of it:
// the same rule as Beast's keep-alive pings (docs/protocol.md).
//
// Threading: a watch and its entries belong to one io_context (one thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "transport/net.hpp"

namespace chat {

class idle_watch {
public:
  using clock = std::chrono::steady_clock;

  /// What is watched: a session on this watch's thread.
  class entry {
  public:
    entry(const entry&) = delete;
    entry& operator=(const entry&) = delete;

    /// Something came from the peer: it is not idle.
    void heard() {
      heard_at_ = clock::now();
      pinged_ = false;
    }

  protected:
    entry() = default;
    ~entry() = default;

    /// Silent for half the timeout: ask the peer for a pong.
    virtual void ping_idle() = 0;
    /// Silent for the whole timeout: drop the socket.
    virtual void close_idle() = 0;

  private:
    friend class idle_watch;
    clock::time_point heard_at_ = clock::now();
    std::size_t slot_ = 0; // index in entries_, while watched
    bool pinged_ = false;
  };

  explicit idle_watch(net::io_context& ioc) : timer_(ioc) {}
  idle_watch(const idle_watch&) = delete;
  idle_watch& operator=(const idle_watch&) = delete;

  /// Watches `e` (counting from now) with `timeout`, the server's one idle
  /// timeout: the last one given applies to all.
  void add(entry& e, std::chrono::milliseconds timeout);
  /// Stops watching `e`; it must be watched.
  void remove(entry& e);

  std::size_t size() const { return entries_.size(); }

private:
  void arm();
  void sweep();

  net::steady_timer timer_;
  std::chrono::milliseconds timeout_{1000};
  std::vector<entry*> entries_;
  bool armed_ = false;
};

} // namespace chat
