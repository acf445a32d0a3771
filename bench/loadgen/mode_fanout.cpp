// fanout: N clients in one room; at a barrier each sends M messages, and
// every client (the sender too) must receive all N*M of them: N*N*M
// deliveries. Reports the time from the barrier to the last delivery,
// deliveries/s, the server's CPU seconds over that span per million
// deliveries, and the missing and duplicate deliveries.
#include <vector>

#include "bench/loadgen/fleet.hpp"
#include "bench/loadgen/modes.hpp"
#include "bench/loadgen/stats.hpp"

namespace bench {

namespace {

class fanout_counter final : public fleet_observer {
public:
  fanout_counter(std::uint32_t clients, std::uint32_t messages)
    : clients_(clients),
      messages_(messages),
      seen_(clients, std::uint64_t{clients} * messages) {}

  /// Receivers whose deliveries count apart (the slow readers).
  std::vector<bool> slow;

  void on_message(std::uint32_t receiver, const body_fields& b, std::int64_t now) override {
    if (b.c >= clients_ || b.k >= messages_) {
      ++foreign;
      return;
    }
    if (!seen_.mark(receiver, std::uint64_t{b.c} * messages_ + b.k)) {
      ++duplicates;
      return;
    }
    ++delivered;
    last_ns = now;
    latency.record(now - b.t);
    if (!slow.empty() && !slow[receiver]) {
      ++others_delivered;
      others_last_ns = now;
    }
  }

  std::uint64_t delivered = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t foreign = 0; // bodies that are not from this run's senders
  std::int64_t last_ns = 0;
  std::uint64_t others_delivered = 0; // to clients that are not slow readers
  std::int64_t others_last_ns = 0;
  latency_histogram latency;

private:
  std::uint32_t clients_;
  std::uint32_t messages_;
  seen_set seen_;
};

} // namespace

bool run_fanout(run_env& env) {
  const auto& opt = env.opt;
  const std::uint64_t n = opt.clients;
  const std::uint64_t expected = n * n * opt.messages;
  env.out.set("messages", opt.messages);
  env.out.set("expected", expected);
  fanout_counter counter(opt.clients, opt.messages);
  fleet f(env.ioc, opt, counter);
  if (opt.slow_readers > 0)
    for (std::uint32_t i = 0; i < opt.clients; ++i)
      counter.slow.push_back(f.slow(i));
  const std::string room = opt.room + "-" + f.prefix();
  if (!prepare_clients(
        env, f, [&](std::uint32_t) { return room; }, n * (n - 1) / 2))
    return false;

  progress("barrier: " + std::to_string(n) + " clients x " + std::to_string(opt.messages)
           + " messages, expecting " + std::to_string(expected) + " deliveries");
  const double cpu_before = server_cpu(env);
  const std::int64_t t0 = steady_ns();
  // Round by round, so every client's first message leaves before anyone's second.
  for (std::uint32_t k = 0; k < opt.messages; ++k)
    for (std::uint32_t c = 0; c < opt.clients; ++c)
      f.send(c, room, body_fields{steady_ns(), c, k});

  const auto stall_ns = static_cast<std::int64_t>(opt.stall * 1e9);
  bool complete = f.run_until(
    [&] {
      return counter.delivered >= expected
             || steady_ns() - std::max(counter.last_ns, t0) > stall_ns;
    },
    env.deadline);
  const double cpu_after = server_cpu(env);
  complete = complete && counter.delivered >= expected;
  // Late duplicates would show up now; nothing should arrive.
  f.settle(opt.settle, env.deadline);

  const double span_s = static_cast<double>(std::max<std::int64_t>(counter.last_ns - t0, 1)) / 1e9;
  env.out.set("deliveries", counter.delivered);
  env.out.set("missing", expected - std::min(expected, counter.delivered));
  env.out.set("duplicates", counter.duplicates);
  env.out.set("duration_s", span_s, 4);
  env.out.set("deliveries_per_s", counter.delivered > 0 ? counter.delivered / span_s : 0.0, 0);
  report_cpu(env, cpu_before, cpu_after, counter.delivered);
  if (opt.slow_readers > 0) {
    // How the clients that read at full speed fared beside the slow ones.
    const double others_s
      = static_cast<double>(std::max<std::int64_t>(counter.others_last_ns - t0, 1)) / 1e9;
    env.out.set("slow_readers", opt.slow_readers);
    env.out.set("slow_piece", opt.slow.piece);
    env.out.set("slow_gap_ms", static_cast<double>(opt.slow.gap.count()) / 1000.0, 3);
    env.out.set("slow_rcvbuf", opt.slow.rcvbuf);
    env.out.set("others_deliveries", counter.others_delivered);
    env.out.set("others_duration_s", others_s, 4);
    env.out.set("others_deliveries_per_s", counter.others_delivered / others_s, 0);
  }
  report_latency(env, counter.latency);
  env.out.set("foreign", counter.foreign);
  report_fleet(env, f);
  if (!complete) {
    env.timed_out = clock_type::now() >= env.deadline;
    env.error = "delivered " + std::to_string(counter.delivered) + " of " + std::to_string(expected)
                + (env.timed_out ? " before the timeout" : " (stalled)");
    return false;
  }
  progress("delivered " + std::to_string(counter.delivered) + " in " + num(span_s) + " s");
  return counter.duplicates == 0;
}

} // namespace bench
