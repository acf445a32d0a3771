// What every session needs to reach the actors and apply the limits: one
// instance per server, shared by the listener and all sessions. Holds no
// chat state (that lives in actors); only counters for logs and limits.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/interfaces.hpp"
#include "actors/settings.hpp"
#include "protocol/storage_api.hpp"
#include "transport/connection_limits.hpp"
#include "transport/login_limiter.hpp"

namespace chat {

class io_pool;
class tls_store;

struct transport_settings {
  std::string web_root;                                    // absolute
  std::size_t max_body_bytes = defaults::max_body_bytes;   // HTTP bodies; larger gets 413
  std::size_t write_queue_max = defaults::write_queue_max; // frames per socket; overflow closes
  // An HTTP request in, its answer out.
  std::chrono::seconds http_timeout{defaults::http_timeout_s};
  // WebSocket handshake, TCP login line.
  std::chrono::seconds handshake_timeout{defaults::handshake_timeout_s};
  std::chrono::seconds idle_timeout{defaults::idle_timeout_s};
  std::int64_t max_connections = defaults::max_connections;
  std::int64_t max_connections_per_ip = defaults::max_connections_per_ip;
  double logins_per_minute_per_name = defaults::logins_per_minute_per_name;
  double logins_per_minute_per_ip = defaults::logins_per_minute_per_ip;
  bool server_password_required = false;                   // told to clients by GET /info
  std::size_t max_frame_bytes = defaults::max_frame_bytes; // told to clients by GET /info
};

struct server_context {
  server_context(caf::actor_system& sys, registry_actor registry, directory_actor directory,
                 storage_actor storage, shared_settings actor_cfg, transport_settings cfg)
    : sys(sys),
      registry(std::move(registry)),
      directory(std::move(directory)),
      storage(std::move(storage)),
      actor_cfg(std::move(actor_cfg)),
      cfg(std::move(cfg)),
      limits(std::make_shared<connection_limits>(this->cfg.max_connections,
                                                 this->cfg.max_connections_per_ip)),
      logins(std::make_shared<login_limiter>(this->cfg.logins_per_minute_per_name,
                                             this->cfg.logins_per_minute_per_ip)) {}

  caf::actor_system& sys;
  registry_actor registry;
  directory_actor directory;
  storage_actor storage;
  // The one copy: the directory's (and so each user's) and each connection's.
  shared_settings actor_cfg;
  transport_settings cfg;
  std::shared_ptr<connection_limits> limits; // live() = open chat connections
  std::shared_ptr<login_limiter> logins;
  io_pool* pool = nullptr; // the I/O threads (chat sessions find their outbox there)
  // The certificate when [tls] is on, else null: the HTTP port speaks TLS,
  // and the raw TCP port too with [tls] tcp = true (tls_tcp).
  std::shared_ptr<tls_store> tls;
  bool tls_tcp = false;
  std::atomic<bool> shutting_down{false}; // GET /healthz says 503 then
  std::atomic<std::uint64_t> next_connection_id{1};
};

} // namespace chat
