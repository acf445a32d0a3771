// Wires the server together: storage, the actors, the hash pool and the
// HTTP/WebSocket listener; runs until SIGINT/SIGTERM.
#pragma once

#include "config/server_config.hpp"

namespace chat {

/// Runs the server; returns the process exit status (0 after a clean
/// shutdown, 1 when start-up failed, e.g. the port is taken).
int run_server(const server_config& cfg);

} // namespace chat
