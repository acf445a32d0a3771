// durable (chat only): each of N clients sends into its own room and keeps
// --window sends in flight, sending the next one as each `sent` arrives
// ("sent" means committed to SQLite). Reports confirmations per second over
// the measured seconds, the send-to-`sent` latency of the sends made in
// them, and the server's CPU per confirmation over them (--server-pid).
// The `synchronous` field is the server's setting as bench/run passed it.
#include "bench/loadgen/fleet.hpp"
#include "bench/loadgen/modes.hpp"
#include "bench/loadgen/stats.hpp"

namespace bench {

namespace {

class confirm_counter final : public fleet_observer {
public:
  confirm_counter(std::uint32_t clients, std::uint32_t window)
    : in_flight(clients, 0),
      window_(window),
      next_k_(clients, 0) {}

  void start(fleet& f, const std::vector<std::string>& rooms) {
    fleet_ = &f;
    rooms_ = &rooms;
    for (std::uint32_t c = 0; c < in_flight.size(); ++c)
      for (std::uint32_t i = 0; i < window_; ++i)
        send_one(c);
  }

  void on_message(std::uint32_t, const body_fields&, std::int64_t) override { ++echoes; }

  void on_sent(std::uint32_t client, std::int64_t ref, bool ok, std::int64_t now) override {
    if (in_flight[client] == 0)
      return; // not one of ours (cannot happen; refs are only on our sends)
    --in_flight[client];
    --total_in_flight;
    if (!ok) {
      ++failed;
    } else {
      ++confirmed;
      if (now >= window_start && now < window_end)
        ++window_confirmed;
      if (ref >= window_start && ref < window_end)
        latency.record(now - ref);
    }
    if (sending)
      send_one(client);
  }

  std::int64_t window_start = INT64_MAX;
  std::int64_t window_end = INT64_MAX;
  bool sending = true;
  std::vector<std::uint32_t> in_flight;
  std::uint64_t total_in_flight = 0;
  std::uint64_t sent = 0, confirmed = 0, window_confirmed = 0, failed = 0, echoes = 0;
  latency_histogram latency;

private:
  void send_one(std::uint32_t c) {
    // The ref is the send time: the `sent` reply carries it back unchanged.
    const std::int64_t t = steady_ns();
    fleet_->send(c, (*rooms_)[c], body_fields{t, c, next_k_[c]++}, t);
    ++in_flight[c];
    ++total_in_flight;
    ++sent;
  }

  std::uint32_t window_;
  std::vector<std::uint32_t> next_k_;
  fleet* fleet_ = nullptr;
  const std::vector<std::string>* rooms_ = nullptr;
};

} // namespace

bool run_durable(run_env& env) {
  const auto& opt = env.opt;
  env.out.set("synchronous", opt.synchronous);
  env.out.set("window", opt.window);
  env.out.set("seconds", opt.seconds);
  env.out.set("warmup_s", opt.warmup);
  confirm_counter counter(opt.clients, opt.window);
  fleet f(env.ioc, opt, counter);
  // One room per client: every stored message is delivered once (to its
  // sender), so the run measures storage, not fan-out.
  std::vector<std::string> rooms(opt.clients);
  for (std::uint32_t i = 0; i < opt.clients; ++i)
    rooms[i] = opt.room + "-" + f.prefix() + "-" + std::to_string(i);
  if (!prepare_clients(
        env, f, [&](std::uint32_t i) { return rooms[i]; }, 0))
    return false;

  progress("sending with " + std::to_string(opt.window) + " in flight per client for "
           + num(opt.warmup + opt.seconds) + " s");
  const std::int64_t start = steady_ns();
  counter.window_start = start + static_cast<std::int64_t>(opt.warmup * 1e9);
  counter.window_end = counter.window_start + static_cast<std::int64_t>(opt.seconds * 1e9);
  counter.start(f, rooms);
  // The server's CPU over the measured seconds, read as the window opens and
  // closes (the loop checks the clock after every batch of handlers).
  bool in_time = f.run_until([&] { return steady_ns() >= counter.window_start; }, env.deadline);
  const double cpu_start = in_time ? server_cpu(env) : -1;
  in_time = in_time && f.run_until([&] { return steady_ns() >= counter.window_end; }, env.deadline);
  const double cpu_end = in_time ? server_cpu(env) : -1;
  counter.sending = false;
  const auto drain_end = std::min(
    env.deadline,
    clock_type::now() + std::chrono::milliseconds(static_cast<std::int64_t>(opt.drain * 1000)));
  in_time = in_time
            && (f.run_until([&] { return counter.total_in_flight == 0; }, drain_end)
                || clock_type::now() < env.deadline);

  env.out.set("sent", counter.sent);
  env.out.set("confirmed", counter.confirmed);
  env.out.set("confirmed_per_s", static_cast<double>(counter.window_confirmed) / opt.seconds, 0);
  env.out.set("unconfirmed", counter.total_in_flight);
  env.out.set("failed", counter.failed);
  env.out.set("confirm_p50_ms", counter.latency.quantile_ms(0.50));
  env.out.set("confirm_p99_ms", counter.latency.quantile_ms(0.99));
  env.out.set("confirm_max_ms", counter.latency.max_ms());
  env.out.set("echoes", counter.echoes);
  if (cpu_start >= 0 && cpu_end >= 0 && counter.window_confirmed > 0) {
    env.out.set("server_cpu_s", cpu_end - cpu_start);
    env.out.set("cpu_us_per_confirmed",
                (cpu_end - cpu_start) * 1e6 / static_cast<double>(counter.window_confirmed));
  } else {
    env.out.set_null("server_cpu_s");
    env.out.set_null("cpu_us_per_confirmed");
  }
  report_fleet(env, f);
  if (!in_time)
    return fail_timeout(env);
  if (counter.total_in_flight > 0) {
    env.error = std::to_string(counter.total_in_flight) + " sends never confirmed";
    return false;
  }
  return counter.failed == 0;
}

} // namespace bench
