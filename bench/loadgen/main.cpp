// chat-actors-loadgen: parses the command line, raises the open-files limit,
// runs one mode on one io_context (one thread for every socket), and prints
// the run's JSON line on stdout. Exit status: 0 when the run completed
// cleanly, 1 when it failed or timed out (the line says why), 2 for a bad
// command line.
#include <cstdio>

#include <boost/asio/io_context.hpp>

#include "bench/loadgen/fleet.hpp"
#include "bench/loadgen/modes.hpp"
#include "bench/loadgen/options.hpp"
#include "bench/loadgen/proc.hpp"
#include "bench/loadgen/result_line.hpp"
#include "common/run_guarded.hpp"

namespace {

int run(int argc, char** argv) {
  using namespace bench;
  options opt;
  std::string error;
  if (!parse_options(argc, argv, opt, error)) {
    if (error.empty()) {
      std::fputs(usage_text(), stdout);
      return 0;
    }
    std::fprintf(stderr, "chat-actors-loadgen: %s\n%s", error.c_str(), usage_text());
    return 2;
  }
  const auto files = raise_open_files_limit();
  if (files < opt.clients + 64u)
    progress("warning: open-files limit " + std::to_string(files) + " is below clients + 64");

  // One thread: the concurrency hint lets Asio skip locking it would need
  // for several.
  boost::asio::io_context ioc(1);
  result_line out;
  // Keys set here first keep their place when filled in at the end.
  out.set("mode", opt.mode);
  out.set("target", target_name(opt.target));
  out.set("client", client_name(opt.client));
  out.set("label", opt.label);
  out.set("clients", opt.clients);
  out.set("ok", false);
  if (opt.target == target_kind::chat) {
    out.set("ack_every_ms", opt.ack_every_ms);
    out.set("ack_batch", opt.ack_batch);
  }
  const auto started = clock_type::now();
  const double cpu_before = self_cpu_seconds();
  run_env env{
    ioc, opt, started + std::chrono::milliseconds(static_cast<std::int64_t>(opt.timeout * 1000)),
    out, {},  false};
  bool ok = false;
  if (opt.mode == "fanout")
    ok = run_fanout(env);
  else if (opt.mode == "latency")
    ok = run_latency(env);
  else if (opt.mode == "idle")
    ok = run_idle(env);
  else
    ok = run_durable(env);

  out.set("ok", ok);
  if (!env.error.empty())
    out.set("error", env.error);
  out.set("timed_out", env.timed_out);
  out.set("elapsed_s", std::chrono::duration<double>(clock_type::now() - started).count(), 2);
  out.set("loadgen_cpu_s", self_cpu_seconds() - cpu_before);
  out.set("server_pid", opt.server_pid);
  out.set("nodes", static_cast<std::uint64_t>(opt.ports.size()));
  out.set("command", opt.command_line);
  std::printf("%s\n", out.dump().c_str());
  std::fflush(stdout);
  if (!ok)
    progress("run failed: " + (env.error.empty() ? std::string("see the JSON line") : env.error));
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  return chat::run_guarded("chat-actors-loadgen", [&] { return run(argc, argv); });
}
