// The I/O threads: one io_context per thread, each socket on one of them
// for its whole life (round robin at accept). A socket's handlers thus all
// run on one thread, which lets the thread's socket_outbox hand frames to
// its sessions directly (see socket_outbox.hpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "transport/idle_watch.hpp"
#include "transport/net.hpp"
#include "transport/socket_outbox.hpp"

namespace chat {

class io_pool {
public:
  explicit io_pool(int threads);

  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  /// The first thread's context (the caller of run() runs it): signals,
  /// timers and the listeners' acceptors live there.
  net::io_context& first() { return lanes_.front()->ioc; }

  /// The context for a new socket, taking turns.
  net::io_context& next() {
    return lanes_[next_.fetch_add(1, std::memory_order_relaxed) % lanes_.size()]->ioc;
  }

  /// The outbox of the thread that runs `ex` (a socket's executor).
  socket_outbox& outbox_of(const net::any_io_executor& ex);

  /// The idle watch of the I/O thread that runs `ex` (idle_watch.hpp).
  idle_watch& idle_watch_of(const net::any_io_executor& ex);

  /// Runs every context, the first on the calling thread; returns once
  /// stop() was called and every thread returned.
  void run();

  /// Stops every context; handlers not yet run stay unrun.
  void stop();

private:
  struct lane {
    net::io_context ioc{1}; // one thread: no locking inside Asio
    net::executor_work_guard<net::io_context::executor_type> work{ioc.get_executor()};
    socket_outbox outbox{ioc};
    idle_watch idle{ioc};
  };
  lane& lane_of(const net::any_io_executor& ex);

  std::vector<std::unique_ptr<lane>> lanes_;
  std::atomic<std::size_t> next_{0};
};

} // namespace chat
