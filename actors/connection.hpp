// Connection actor: one per open socket. It turns the client's request
// frames into messages to rooms and the directory, and the answers into
// frames for its session (through session). Deliveries do not pass
// through it: its user actor writes them to the same sink.
//
// Messages:
//   (frame_atom, std::string text): a text frame from the client
//   (expire_atom): the token expired (from the auth registry): close with 1008
//   (logout_atom): the token was logged out: close with 1008 and quit
//   (close_atom): the socket is gone, or the server stops: close and quit
#pragma once

#include <memory>
#include <string>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/settings.hpp"
#include "protocol/atoms.hpp"
#include "protocol/messages.hpp"
#include "protocol/session.hpp"

namespace chat {

struct connection_params {
  std::string id; // connection id, unique in this process
  token_grant grant;
  session_ptr session; // where its frames go
  caf::actor directory;
  caf::actor registry;
  caf::actor storage; // stores directs
  actor_settings settings;
};

/// Spawns the actor; it greets the client with `welcome` at once.
caf::actor spawn_connection(caf::actor_system& sys, connection_params params);

} // namespace chat
