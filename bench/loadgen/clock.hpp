// The one clock of the load generator: steady_clock in nanoseconds. Send
// times in message bodies and receive times come from it, in one process.
#pragma once

#include <chrono>
#include <cstdint>

namespace bench {

using clock_type = std::chrono::steady_clock;

inline std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch())
    .count();
}

} // namespace bench
