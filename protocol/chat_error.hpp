// The error codes of the chat protocol, as CAF errors. Actors reply with
// `make_error(chat_errc::...)`; the edges (connection actor, HTTP API) turn
// them into error frames or HTTP statuses with `to_code`.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>

namespace chat {

enum class chat_errc : std::uint8_t {
  bad_request = 1,
  unknown_action,
  unauthorized,
  forbidden,
  not_member,
  room_full,
  unknown_room,
  too_large,
  name_taken, // HTTP 409 on /register
  busy,       // hash pool saturated: HTTP 503
  storage,    // SQLite failed: the request did not happen
  timeout,
  unknown_user, // a DM to a user id that does not exist
  rate_limited, // over a rate limit: HTTP 429, frames carry retry_after_ms
};

/// The wire name of a code, e.g. "room_full".
const char* to_code(chat_errc code);

/// The chat code inside a CAF error; request timeouts and other CAF system
/// errors map to `timeout` / `storage`.
chat_errc to_chat_errc(const caf::error& err);

/// The human-readable text carried by an error (its context), or a default.
std::string error_text(const caf::error& err);

caf::error make_error(chat_errc code);
caf::error make_error(chat_errc code, std::string text);

} // namespace chat
