// A small, bounded thread pool for password hashing. argon2id costs tens of
// milliseconds and many MiB per call on purpose; running it here keeps it off
// CAF's scheduler threads and the Asio I/O threads, and the bound on queued
// jobs keeps /register and /login from becoming a CPU amplifier.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace chat::auth {

class hash_pool {
public:
  /// `threads` workers; at most `queue_max` jobs wait beyond those running.
  hash_pool(std::size_t threads, std::size_t queue_max);

  /// Joins the workers after finishing the jobs already queued.
  ~hash_pool();

  hash_pool(const hash_pool&) = delete;
  hash_pool& operator=(const hash_pool&) = delete;

  /// Queues `job`; false (and `job` dropped) when the queue is full.
  bool submit(std::function<void()> job);

  /// Jobs waiting or running right now.
  std::size_t pending() const;

private:
  void work();

  const std::size_t queue_max_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

} // namespace chat::auth
