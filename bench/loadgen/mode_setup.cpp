// The setup every mode shares, and the CPU bookkeeping; see modes.hpp.
#include "bench/loadgen/modes.hpp"

#include "bench/loadgen/fleet.hpp"
#include "bench/loadgen/proc.hpp"
#include "bench/loadgen/stats.hpp"

namespace bench {

namespace {

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

bool failed(run_env& env, fleet& f) {
  env.error = f.error();
  env.timed_out = clock_type::now() >= env.deadline;
  return false;
}

// `read(pid)` summed over every --server-pid (every node of a cluster run);
// negative without one, or when one of them cannot be read.
template <class T, class Read>
T sum_over_servers(const run_env& env, Read read) {
  if (env.opt.server_pids.empty())
    return -1;
  T sum = 0;
  for (auto pid : env.opt.server_pids) {
    auto value = read(pid);
    if (value < 0)
      return -1;
    sum += value;
  }
  return sum;
}

} // namespace

bool prepare_clients(run_env& env, fleet& f,
                     const std::function<std::string(std::uint32_t)>& room_of,
                     std::uint64_t presence) {
  const bool chat = env.opt.target == target_kind::chat;
  auto t = clock_type::now();
  if (chat) {
    progress("accounts: registering " + std::to_string(f.size()) + " (prefix " + f.prefix() + ")");
    if (!f.create_accounts(env.deadline))
      return failed(env, f);
    env.out.set("accounts_s", seconds_since(t));
  }
  t = clock_type::now();
  progress("connecting " + std::to_string(f.size()) + " clients");
  if (!f.connect(env.deadline))
    return failed(env, f);
  env.out.set("connect_s", seconds_since(t));
  if (chat && room_of) {
    t = clock_type::now();
    progress("joining");
    if (!f.join(room_of, presence, env.deadline))
      return failed(env, f);
    env.out.set("join_s", seconds_since(t));
  }
  f.settle(env.opt.settle, env.deadline);
  return true;
}

double server_cpu(const run_env& env) {
  return sum_over_servers<double>(env, process_cpu_seconds);
}

std::int64_t server_rss_kib(const run_env& env) {
  return sum_over_servers<std::int64_t>(env, process_rss_kib);
}

void report_latency(run_env& env, const latency_histogram& latency) {
  env.out.set("p50_ms", latency.quantile_ms(0.50));
  env.out.set("p90_ms", latency.quantile_ms(0.90));
  env.out.set("p99_ms", latency.quantile_ms(0.99));
  env.out.set("max_ms", latency.max_ms());
}

void report_fleet(run_env& env, const fleet& f) {
  env.out.set("ack_frames", f.ack_frames_sent());
  env.out.set("error_frames", f.error_frames());
  env.out.set("closed", f.closed_count());
}

bool fail_timeout(run_env& env) {
  env.timed_out = true;
  env.error = "the run reached --timeout";
  return false;
}

void report_cpu(run_env& env, double before, double after, std::uint64_t deliveries) {
  if (before < 0 || after < 0) {
    env.out.set_null("server_cpu_s");
    env.out.set_null("cpu_s_per_million");
    return;
  }
  env.out.set("server_cpu_s", after - before);
  if (deliveries > 0)
    env.out.set("cpu_s_per_million", (after - before) / (static_cast<double>(deliveries) / 1e6));
  else
    env.out.set_null("cpu_s_per_million");
}

} // namespace bench
