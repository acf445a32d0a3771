// idle: open N connections (chat: authenticated, past `replayed`) and hold
// them. The server's resident memory is sampled after the accounts exist and
// before any socket opens, then again once all are open and quiet; the
// difference over the connections held is the memory one idle connection
// costs. Holds them --seconds more and counts how many survived.
#include "bench/loadgen/fleet.hpp"
#include "bench/loadgen/modes.hpp"

namespace bench {

namespace {

class no_traffic final : public fleet_observer {
public:
  void on_message(std::uint32_t, const body_fields&, std::int64_t) override { ++messages; }
  std::uint64_t messages = 0;
};

} // namespace

bool run_idle(run_env& env) {
  const auto& opt = env.opt;
  no_traffic observer;
  fleet f(env.ioc, opt, observer);
  auto t = clock_type::now();
  if (opt.target == target_kind::chat) {
    progress("accounts: registering " + std::to_string(f.size()) + " (prefix " + f.prefix() + ")");
    if (!f.create_accounts(env.deadline)) {
      env.error = f.error();
      env.timed_out = clock_type::now() >= env.deadline;
      return false;
    }
    env.out.set("accounts_s", std::chrono::duration<double>(clock_type::now() - t).count());
  }
  // Let the server finish the account work (commits, caches) before the baseline sample.
  f.settle(opt.settle, env.deadline);
  const auto rss_before = server_rss_kib(env);

  t = clock_type::now();
  progress("connecting " + std::to_string(f.size()) + " idle clients");
  const bool all_open = f.connect(env.deadline);
  const double connect_s = std::chrono::duration<double>(clock_type::now() - t).count();
  env.out.set("connect_s", connect_s);
  if (!all_open)
    progress(f.error() + "; measuring what is open");
  f.settle(opt.settle, env.deadline);
  const auto rss_after = server_rss_kib(env);
  const auto held = f.open_count();
  env.out.set("connections", std::uint64_t{held});
  env.out.set("connects_per_s", connect_s > 0 ? static_cast<double>(held) / connect_s : 0.0, 0);
  if (rss_before >= 0 && rss_after >= 0 && held > 0) {
    env.out.set("rss_before_kib", rss_before);
    env.out.set("rss_after_kib", rss_after);
    env.out.set("rss_kib_per_conn",
                static_cast<double>(rss_after - rss_before) / static_cast<double>(held), 2);
  } else {
    env.out.set_null("rss_kib_per_conn");
  }

  progress("holding " + std::to_string(held) + " connections for " + num(opt.seconds) + " s");
  const auto hold_end = std::min(
    env.deadline,
    clock_type::now() + std::chrono::milliseconds(static_cast<std::int64_t>(opt.seconds * 1000)));
  f.run_until([] { return false; }, hold_end);
  const auto still_open = f.open_count();
  env.out.set("held_after_s", opt.seconds);
  env.out.set("connections_at_end", std::uint64_t{still_open});
  env.out.set("closed", f.closed_count());
  env.out.set("error_frames", f.error_frames());
  if (!all_open) {
    env.error = f.error();
    env.timed_out = clock_type::now() >= env.deadline;
    return false;
  }
  if (still_open < held) {
    env.error = std::to_string(held - still_open) + " connections closed while idle";
    return false;
  }
  return true;
}

} // namespace bench
