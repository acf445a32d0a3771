#include "app/server.hpp"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <optional>
#include <string>

#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/auth_registry.hpp"
#include "actors/directory.hpp"
#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocol/atoms.hpp"
#include "protocol/chat_error.hpp"
#include "storage/pg_bus.hpp"
#include "storage/store_options.hpp"
#include "transport/io_pool.hpp"
#include "transport/listener.hpp"
#include "transport/tls_store.hpp"

namespace chat {

namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;

// Asks storage for what the registry starts with; blocking is fine here,
// before anything serves.
template <class T, class... Ts>
caf::expected<T> load(caf::actor_system& sys, const storage_actor& storage, Ts... xs) {
  caf::scoped_actor self{sys};
  caf::expected<T> result{T{}};
  self->request(storage, 30s, xs...)
    .receive([&](T& x) { result = std::move(x); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

// Waits (blocking: only at shutdown) until `who` has terminated.
template <class Handle>
void await_exit(caf::actor_system& sys, const Handle& who) {
  caf::scoped_actor self{sys};
  self->monitor(who);
  caf::anon_send_exit(who, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {},
                caf::after(30s) >> [] { log_error("storage did not stop within 30 s"); });
}

// This machine's name, for the default node id.
std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0)
    return "localhost";
  return name;
}

/// This node's name in the cluster: [cluster] node_id, else host and HTTP
/// port (with an ephemeral port: host and a piece of the start's instance).
std::string node_name(const server_config& cfg, const std::string& instance) {
  if (!cfg.node_id.empty())
    return cfg.node_id;
  return host_name() + ":"
         + (cfg.http_port != 0 ? std::to_string(cfg.http_port) : instance.substr(0, 8));
}

actor_settings actor_settings_of(const server_config& cfg) {
  actor_settings s;
  s.request_timeout = std::chrono::milliseconds{cfg.request_timeout_ms};
  s.default_max_members = cfg.default_max_members;
  s.max_frame_bytes = cfg.max_frame_bytes;
  s.ack_timeout = std::chrono::seconds{cfg.ack_timeout_s};
  s.backlog_max = cfg.backlog_max;
  s.messages_per_second = static_cast<double>(cfg.messages_per_second);
  s.burst = static_cast<double>(cfg.burst);
  s.rate_limit_close_after = cfg.rate_limit_close_after;
  return s;
}

} // namespace

std::shared_ptr<tls_store> load_certificate(const server_config& cfg, std::string& error) {
  return tls_store::open({cfg.tls_cert_file, cfg.tls_key_file, cfg.tls_min_version}, error);
}

int run_server(const server_config& cfg) {
  set_log_level(cfg.log_level == "debug"   ? log_level::debug
                : cfg.log_level == "warn"  ? log_level::warn
                : cfg.log_level == "error" ? log_level::error
                                           : log_level::info);
  if (!auth::init()) {
    log_error("libsodium failed to initialize");
    return 1;
  }
  // The certificate is read before anything starts: a bad one stops the
  // server here, with the file and OpenSSL's reason.
  std::shared_ptr<tls_store> tls;
  if (cfg.tls()) {
    std::string error;
    tls = load_certificate(cfg, error);
    if (!tls) {
      log_error("cannot load the TLS certificate: " + error);
      return 1;
    }
  }
  // Declared first so it is destroyed last: sessions still held by actors
  // close their sockets while the actor system shuts down.
  io_pool io{cfg.io_threads};
  caf::actor_system_config caf_cfg;
  add_chat_error_category(caf_cfg);
  caf_cfg.set("scheduler.max-threads", static_cast<std::size_t>(cfg.actor_threads));
  // CAF's idle workers poll 100 times, then 500 times more with a 50 us
  // sleep between polls, before they block on a condition variable. Each of
  // those sleeps is a context switch: behind clients that read slower than
  // the server writes, the server idles in short gaps all the time and the
  // sleeps cost more than the deliveries (bench/profile.md, "Clients that
  // read slowly"). Workers now block right after the busy polls; a message
  // for a blocked worker wakes it (one futex call).
  caf_cfg.set("work-stealing.moderate-poll-attempts", std::size_t{0});
  caf::actor_system sys{caf_cfg};

  store_options store_opts;
  store_opts.path = cfg.storage_path;
  store_opts.commit_window = std::chrono::milliseconds{cfg.commit_window_ms};
  store_opts.batch_max = static_cast<std::size_t>(cfg.batch_max);
  store_opts.synchronous_full = cfg.synchronous_full;
  // The URL is not logged: it may hold a password.
  std::string store_name = cfg.storage_path;
  if (cfg.storage_backend == "postgres") {
    store_opts.backend = store_backend::postgres;
    store_opts.url = cfg.storage_url;
    // Unique per start, unlike node_id, which a person picks.
    store_opts.instance = auth::random_token();
    store_opts.node_id = node_name(cfg, store_opts.instance);
    metrics::get().node_id = store_opts.node_id;
    store_name = "postgres";
  }
  auto storage = spawn_storage(sys, store_opts);
  if (!storage) {
    log_error("cannot open storage " + store_name + ": " + error_text(storage.error()));
    return 1;
  }
  auto users = load<user_list>(sys, *storage, load_atom::value, users_atom::value);
  auto tokens = load<token_list>(sys, *storage, load_atom::value, token_atom::value, unix_ms());
  if (!users || !tokens) {
    log_error("cannot load accounts from storage");
    await_exit(sys, *storage);
    return 1;
  }
  log_info("storage " + store_name + ": " + std::to_string(users->size()) + " users");

  auto own_settings = actor_settings_of(cfg);
  own_settings.cluster = store_opts.backend == store_backend::postgres;
  // One copy, shared by every actor that reads it (memory per connection).
  auto settings = std::make_shared<const actor_settings>(own_settings);
  auto directory = spawn_directory(sys, *storage, settings);
  auto pool = std::make_shared<auth::hash_pool>(cfg.hash_threads, cfg.hash_queue_max);
  auth_settings auth_cfg{cfg.server_password, cfg.token_ttl_s,
                         auth::hash_cost{cfg.hash_ops, cfg.hash_mem_kib * 1024},
                         cfg.default_max_members, settings->request_timeout};
  auth_cfg.shared_storage = store_opts.backend == store_backend::postgres;
  auto registry
    = spawn_auth_registry(sys, *storage, pool, auth_cfg, std::move(*users), std::move(*tokens));

  transport_settings tcfg;
  tcfg.web_root = cfg.web_root;
  tcfg.max_body_bytes = cfg.max_body_bytes;
  tcfg.write_queue_max = cfg.write_queue_max;
  tcfg.http_timeout = std::chrono::seconds{cfg.http_timeout_s};
  tcfg.handshake_timeout = std::chrono::seconds{cfg.handshake_timeout_s};
  tcfg.idle_timeout = std::chrono::seconds{cfg.idle_timeout_s};
  tcfg.max_connections = cfg.max_connections;
  tcfg.max_connections_per_ip = cfg.max_connections_per_ip;
  tcfg.logins_per_minute_per_name = static_cast<double>(cfg.logins_per_minute_per_name);
  tcfg.logins_per_minute_per_ip = static_cast<double>(cfg.logins_per_minute_per_ip);
  tcfg.server_password_required = !cfg.server_password.empty();
  tcfg.max_frame_bytes = settings->max_frame_bytes;
  auto ctx = std::make_shared<server_context>(sys, registry, directory, *storage, settings, tcfg);
  ctx->pool = &io;
  ctx->tls = tls;
  ctx->tls_tcp = cfg.tls_tcp;

  // Cluster mode: the bus tells this node's rooms what other nodes commit.
  caf::actor bus;
  if (store_opts.backend == store_backend::postgres) {
    auto spawned
      = spawn_pg_bus(sys, bus_options{cfg.storage_url, store_opts.instance, store_opts.node_id},
                     bus_listener{directory}, token_listener{registry});
    if (!spawned) {
      log_error("cannot listen on the cluster bus: " + error_text(spawned.error()));
      caf::anon_send(directory, close_atom::value);
      caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
      await_exit(sys, *storage);
      return 1;
    }
    bus = std::move(*spawned);
  }
  auto stop_actors = [&] {
    if (bus)
      caf::anon_send_exit(bus, caf::exit_reason::user_shutdown);
    caf::anon_send(directory, close_atom::value);
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  };
  {
    listener http{io, ctx};
    if (auto err = http.open(cfg.bind, cfg.http_port); !err.empty()) {
      log_error("cannot listen for HTTP: " + err);
      stop_actors();
      await_exit(sys, *storage);
      return 1;
    }
    // Raw TCP (JSON lines) is optional: tcp_port = 0 turns it off. Both
    // ports are bound before either is announced.
    std::optional<listener> raw;
    if (cfg.tcp_port != 0) {
      raw.emplace(io, ctx, listener::kind::tcp);
      if (auto err = raw->open(cfg.bind, cfg.tcp_port); !err.empty()) {
        log_error("cannot listen for TCP: " + err);
        http.stop();
        stop_actors();
        await_exit(sys, *storage);
        return 1;
      }
    }
    // The signal handlers are in place before the ports are announced:
    // a SIGHUP or SIGTERM sent as soon as "listening" shows must not
    // meet the default action (which ends the process).
    // SIGINT/SIGTERM: stop accepting, close every WebSocket with a close
    // frame (directory -> users -> connections), give the closes a moment
    // to go out, then stop the I/O threads.
    net::signal_set signals{io.first(), SIGINT, SIGTERM};
    net::steady_timer drain{io.first()};
    auto deadline = std::chrono::steady_clock::now();
    std::function<void()> wait_drained = [&] {
      if (ctx->limits->live() == 0 || std::chrono::steady_clock::now() > deadline) {
        io.stop();
        return;
      }
      drain.expires_after(20ms);
      drain.async_wait([&](const boost::system::error_code&) { wait_drained(); });
    };
    // SIGHUP: read the certificate again (a renewal); connections already
    // open keep the one they started with, and a bad file keeps the old one.
    net::signal_set hangup{io.first(), SIGHUP};
    std::function<void()> wait_hangup = [&] {
      hangup.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec)
          return;
        if (!tls) {
          log_info("SIGHUP: no [tls] certificate to reload");
        } else if (auto err = tls->reload(); err.empty()) {
          log_info("SIGHUP: TLS certificate reloaded from " + tls->cert_file());
        } else {
          log_error("SIGHUP: TLS certificate not reloaded, the old one stays: " + err);
        }
        wait_hangup();
      });
    };
    wait_hangup();
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec)
        return;
      ctx->shutting_down = true; // GET /healthz answers 503 from now on
      log_info("signal " + std::to_string(sig) + ": shutting down");
      http.stop();
      if (raw)
        raw->stop();
      hangup.cancel();
      stop_actors();
      deadline = std::chrono::steady_clock::now() + 3s;
      wait_drained();
    });

    http.run();
    log_info(std::string("listening on ") + (tls ? "https://" : "http://") + cfg.bind + ":"
             + std::to_string(http.port()) + (tls ? " (TLS " + tls->cert_file() + ")" : ""));
    if (raw) {
      raw->run();
      log_info("listening on tcp://" + cfg.bind + ":" + std::to_string(raw->port())
               + (tls && cfg.tls_tcp ? " (TLS)" : ""));
    }
    if (!store_opts.node_id.empty())
      log_info("node " + store_opts.node_id);

    io.run();
  }
  // Handlers left in the stopped io_context (an aborted accept, idle HTTP
  // keep-alives) still hold the context; its handles must not keep the
  // detached storage actor alive, or the actor system never finishes.
  ctx->storage = nullptr;
  ctx->registry = nullptr;
  ctx->directory = nullptr;
  // Everything stored so far is committed before the storage actor exits.
  await_exit(sys, *storage);
  log_info("storage flushed; bye");
  return 0;
}

} // namespace chat
