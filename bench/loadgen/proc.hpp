// What the load generator reads about processes: the server's CPU time and
// resident memory from /proc, its own CPU time, and the open-files limit.
#pragma once

#include <cstdint>

namespace bench {

/// utime + stime of `pid` (all its threads) in seconds, from /proc/PID/stat
/// fields 14 and 15; negative when it cannot be read.
double process_cpu_seconds(int pid);

/// VmRSS of `pid` in KiB from /proc/PID/status; negative when unreadable.
std::int64_t process_rss_kib(int pid);

/// This process's user + system CPU seconds.
double self_cpu_seconds();

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit.
std::uint64_t raise_open_files_limit();

} // namespace bench
