// The four measurements. Each runs on the caller's io_context, fills `out`
// with its fields, and returns false (with `error` set) when the run failed
// or hit the deadline; partial numbers are still reported then.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "bench/loadgen/options.hpp"
#include "bench/loadgen/result_line.hpp"

namespace bench {

class fleet;
class latency_histogram;

struct run_env {
  boost::asio::io_context& ioc;
  const options& opt;
  std::chrono::steady_clock::time_point deadline; // --timeout from the start
  result_line& out;
  std::string error;
  bool timed_out = false;
};

bool run_fanout(run_env& env);
bool run_latency(run_env& env);
bool run_idle(run_env& env);
bool run_durable(run_env& env);

/// The common setup: accounts (chat), connections, joins of room_of(i)
/// (chat; `presence` frames expected from the joins), then --settle of quiet.
/// Adds accounts_s, connect_s and join_s to env.out.
bool prepare_clients(run_env& env, fleet& f,
                     const std::function<std::string(std::uint32_t)>& room_of,
                     std::uint64_t presence);

/// Server CPU seconds (utime + stime), or a negative number without --server-pid.
double server_cpu(const run_env& env);

/// Server resident memory in KiB (VmRSS), summed like server_cpu; negative
/// without --server-pid.
std::int64_t server_rss_kib(const run_env& env);

/// Sets p50_ms, p90_ms, p99_ms and max_ms.
void report_latency(run_env& env, const latency_histogram& latency);

/// Sets ack_frames, error_frames and closed from the fleet's counters.
void report_fleet(run_env& env, const fleet& f);

/// Marks the run as cut by --timeout; returns false for the caller to return.
bool fail_timeout(run_env& env);

/// Sets server_cpu_s and cpu_s_per_million from two samples.
void report_cpu(run_env& env, double before, double after, std::uint64_t deliveries);

} // namespace bench
