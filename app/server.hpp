// Wires the server together: storage, the actors, the hash pool and the
// HTTP/WebSocket listener; runs until SIGINT/SIGTERM.
#pragma once

#include <memory>
#include <string>

#include "config/server_config.hpp"

namespace chat {

class tls_store;

/// The [tls] certificate of `cfg` loaded (what the server serves and
/// --check-config checks); nullptr and `error` says why if it does not load.
std::shared_ptr<tls_store> load_certificate(const server_config& cfg, std::string& error);

/// Runs the server; returns the process exit status (0 after a clean
/// shutdown, 1 when start-up failed, e.g. the port is taken).
int run_server(const server_config& cfg);

} // namespace chat
