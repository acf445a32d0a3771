// Running an io_context with a deadline, for the test clients: handlers run
// until a condition holds, the deadline passes, or no work is left.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>

#include <boost/asio/io_context.hpp>

namespace chat::test {

/// The time from now until `deadline`, never negative.
inline std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

inline bool run_until(boost::asio::io_context& ioc, const std::function<bool()>& done,
                      std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (done())
      return true;
    if (ioc.stopped())
      ioc.restart();
    if (std::chrono::steady_clock::now() >= deadline) {
      ioc.poll();
      return done();
    }
    if (ioc.run_one_until(deadline) == 0 && ioc.stopped())
      return done();
  }
}

} // namespace chat::test
