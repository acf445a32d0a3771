// The server's two clocks, each for its own kind of time. Everything that
// reads the time goes through here.
#pragma once

#include <cstdint>

namespace chat {

/// Unix time in milliseconds (the system clock): what outlives the process
/// or is shown to people, message timestamps and token expiry.
std::int64_t unix_ms();

/// Milliseconds of the steady clock, whose origin is unspecified (boot time
/// here): durations, deadlines and rate limits inside the process, which a
/// change of the system time must not stretch or cut short. Never compare
/// it with an origin of 0 as "long ago": on a machine just booted it is not.
std::int64_t steady_ms();

} // namespace chat
