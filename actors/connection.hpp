// The connection actor: one per authenticated session (WebSocket or raw
// TCP). It turns the client's request frames into requests to rooms, the
// directory and the registry, and their answers into frames for its
// session. Deliveries do not pass through it: its user actor writes them to
// the same session. Its interface: connection_actor (actors/interfaces.hpp).
#pragma once

#include <string>

#include <caf/actor_system.hpp>

#include "actors/interfaces.hpp"
#include "actors/settings.hpp"
#include "protocol/storage_api.hpp"

namespace chat {

struct connection_params {
  std::string id; // connection id, unique in this process
  token_grant grant;
  session_ptr session; // where its frames go
  directory_actor directory;
  registry_actor registry;
  storage_actor storage; // stores directs
  shared_settings settings;
};

/// Spawns the actor; it greets the client with `welcome` at once.
connection_actor spawn_connection(caf::actor_system& sys, connection_params params);

} // namespace chat
