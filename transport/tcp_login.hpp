// The first line of a raw TCP session: parsing its credentials and
// checking them with the auth registry (from a short-lived bridge actor, so
// the I/O thread never waits). Private to transport/.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include <caf/error.hpp>

#include "protocol/messages.hpp"
#include "transport/server_context.hpp"

namespace chat {

/// What an unauthorized first line is told.
extern const char* const greeting_help;

/// The first line's credentials: a login (name, password, server password)
/// or a token. A line-mode login also names the room to join.
struct greeting {
  bool login = false;
  bool line_mode = false;
  std::string room;
  std::string name;
  std::string password;
  std::string server_password;
  std::string token;
};

/// {"action":"login","body":{...}} or {"action":"auth","body":{"token"}};
/// {"name","password","room"} (no "action") for line mode; nullopt for
/// anything else.
std::optional<greeting> parse_greeting(const std::string& line);

/// Checks `g`: login then auth with the new token, or auth alone. Exactly
/// one of `ok` / `refused` runs, on a CAF thread.
void authorize(server_context& ctx, greeting g, std::function<void(token_grant)> ok,
               std::function<void(caf::error)> refused);

} // namespace chat
