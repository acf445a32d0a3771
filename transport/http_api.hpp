// The HTTP API: /register, /login, /logout, /history, /info, /me, /healthz,
// /metrics. Each request
// becomes a message to the auth registry or the directory, sent from a
// short-lived bridge actor, so no Asio thread ever waits for an actor.
#pragma once

#include <functional>

#include "protocol/messages.hpp"

#include "transport/http_util.hpp"
#include "transport/server_context.hpp"

namespace chat {

/// Called exactly once with the response, from any thread.
using responder = std::function<void(http_response)>;

/// Whether `req` targets the API; if so, `done` will receive the response.
/// `peer` is the client's address (login limits count per address).
bool handle_api(server_context& ctx, const http_request& req, const std::string& peer,
                const responder& done);

/// Checks the token of a WebSocket upgrade (GET /ws?token=T): `ok` gets the
/// grant on success, `refused` the 401 response.
void authorize_upgrade(server_context& ctx, const http_request& req,
                       const std::function<void(token_grant)>& ok, const responder& refused);

} // namespace chat
