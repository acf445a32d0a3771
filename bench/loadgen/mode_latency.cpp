// latency: N clients in one room send R messages per second in total (round
// robin, paced by a 1 ms timer) for warm-up + S seconds. Every message goes to
// all N, so R*N deliveries/s are offered. Reports the deliveries received
// during the S measured seconds per second (achieved), and the percentiles
// of send-to-receive latency of the messages sent in those seconds.
#include <boost/asio/steady_timer.hpp>

#include "bench/loadgen/fleet.hpp"
#include "bench/loadgen/modes.hpp"
#include "bench/loadgen/stats.hpp"

namespace bench {

namespace {

class latency_counter final : public fleet_observer {
public:
  latency_counter(std::uint32_t clients, std::uint64_t per_client)
    : clients_(clients),
      per_client_(per_client),
      seen_(clients, clients * per_client) {}

  void on_message(std::uint32_t receiver, const body_fields& b, std::int64_t now) override {
    if (b.c >= clients_ || b.k >= per_client_) {
      ++foreign;
      return;
    }
    if (!seen_.mark(receiver, b.c * per_client_ + b.k)) {
      ++duplicates;
      return;
    }
    if (now >= window_start && now < window_end)
      ++window_deliveries;
    if (b.t >= window_start && b.t < window_end) {
      ++measured_received;
      latency.record(now - b.t);
    }
  }

  std::int64_t window_start = INT64_MAX; // set once sending starts
  std::int64_t window_end = INT64_MAX;
  std::uint64_t window_deliveries = 0; // received inside the window, any message
  std::uint64_t measured_received = 0; // deliveries of messages sent inside the window
  std::uint64_t duplicates = 0;
  std::uint64_t foreign = 0;
  latency_histogram latency;

private:
  std::uint64_t clients_;
  std::uint64_t per_client_;
  seen_set seen_;
};

} // namespace

bool run_latency(run_env& env) {
  const auto& opt = env.opt;
  const std::uint64_t n = opt.clients;
  const double total_s = opt.warmup + opt.seconds;
  const auto total_msgs = static_cast<std::uint64_t>(opt.rate * total_s);
  const std::uint64_t per_client = total_msgs / n + 2;
  env.out.set("rate", opt.rate);
  env.out.set("seconds", opt.seconds);
  env.out.set("warmup_s", opt.warmup);
  env.out.set("offered_deliveries_per_s", opt.rate * static_cast<double>(n), 0);
  latency_counter counter(opt.clients, per_client);
  fleet f(env.ioc, opt, counter);
  const std::string room = opt.room + "-" + f.prefix();
  if (!prepare_clients(
        env, f, [&](std::uint32_t) { return room; }, n * (n - 1) / 2))
    return false;

  progress("sending " + num(opt.rate) + " msgs/s for " + num(total_s) + " s (" + num(opt.warmup)
           + " s warm-up)");
  const std::int64_t start = steady_ns();
  counter.window_start = start + static_cast<std::int64_t>(opt.warmup * 1e9);
  counter.window_end = start + static_cast<std::int64_t>(total_s * 1e9);
  std::vector<std::uint32_t> next_k(opt.clients, 0);
  std::uint64_t sent = 0, measured_sent = 0;
  bool sending = true;
  // The server's CPU over the measured window, sampled by the ticks that
  // open and close it (a tick is at most ~1 ms late).
  double cpu_start = -1, cpu_end = -1;
  // Absolute 1 ms ticks: a late tick sends what is due, so the rate holds.
  boost::asio::steady_timer ticker(env.ioc);
  std::function<void()> tick = [&] {
    const std::int64_t now = steady_ns();
    if (cpu_start < 0 && now >= counter.window_start)
      cpu_start = server_cpu(env);
    if (cpu_end < 0 && now >= counter.window_end)
      cpu_end = server_cpu(env);
    const auto due = std::min<std::uint64_t>(
      total_msgs, static_cast<std::uint64_t>(static_cast<double>(now - start) / 1e9 * opt.rate));
    for (; sent < due; ++sent) {
      const auto c = static_cast<std::uint32_t>(sent % n);
      const std::int64_t t = steady_ns();
      if (t >= counter.window_start && t < counter.window_end)
        ++measured_sent;
      f.send(c, room, body_fields{t, c, next_k[c]++});
    }
    if (sent >= total_msgs || now >= counter.window_end) {
      sending = false;
      return;
    }
    ticker.expires_at(ticker.expiry() + std::chrono::milliseconds(1));
    ticker.async_wait([&](const boost::system::error_code& ec) {
      if (!ec)
        tick();
    });
  };
  ticker.expires_at(clock_type::now());
  tick();
  bool in_time = f.run_until([&] { return !sending; }, env.deadline);
  ticker.cancel();

  // Stragglers: wait for every delivery of the measured messages, or --drain.
  const std::uint64_t measured_expected = measured_sent * n;
  const auto drain_end = std::min(
    env.deadline,
    clock_type::now() + std::chrono::milliseconds(static_cast<std::int64_t>(opt.drain * 1000)));
  in_time
    = in_time
      && (f.run_until([&] { return counter.measured_received >= measured_expected; }, drain_end)
          || clock_type::now() < env.deadline);

  env.out.set("sent", sent);
  env.out.set("measured_messages", measured_sent);
  env.out.set("achieved_deliveries_per_s",
              static_cast<double>(counter.window_deliveries) / opt.seconds, 0);
  env.out.set("deliveries", counter.measured_received);
  env.out.set("missing",
              measured_expected - std::min(measured_expected, counter.measured_received));
  env.out.set("duplicates", counter.duplicates);
  report_latency(env, counter.latency);
  if (cpu_start >= 0 && cpu_end >= 0)
    report_cpu(env, cpu_start, cpu_end, counter.window_deliveries);
  env.out.set("foreign", counter.foreign);
  report_fleet(env, f);
  if (!in_time)
    return fail_timeout(env);
  return true;
}

} // namespace bench
