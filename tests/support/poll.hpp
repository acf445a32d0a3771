// Waiting in a test for something another thread or process does: ask for
// the condition itself (an HTTP status, a metric, a log line) again and again
// with a short pause between tries, until it holds or a deadline passes,
// instead of sleeping a fixed time and hoping it happened meanwhile. The
// caller fails the test with its own message when the deadline passed.
#pragma once

#include <chrono>
#include <thread>

namespace chat::test {

/// Calls `done()` until it returns true or `timeout` has passed, pausing
/// `pause` between calls; true if it held (a last call is made at the
/// deadline).
template <class Done>
bool poll_until(Done&& done, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                std::chrono::milliseconds pause = std::chrono::milliseconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(pause);
  }
}

} // namespace chat::test
