// The error codes of the chat protocol, as CAF errors of their own category
// ("chat"). Actors reply with `make_error(chat_errc::...)`; the edges (the
// connection actor, the HTTP API) turn any error into an error frame or an
// HTTP status with `to_chat_errc` and `error_text`. An error of another
// category (CAF's own: a request to a dead actor, an unexpected message) is
// reported as what it is, `internal` with CAF's name for it, never as one of
// the chat codes.
#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>

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
  name_taken,   // HTTP 409 on /register
  busy,         // hash pool saturated: HTTP 503
  storage,      // storage failed: the request did not happen
  timeout,      // another actor did not answer in time
  unknown_user, // a direct to a user id that does not exist
  rate_limited, // over a rate limit: HTTP 429, frames carry retry_after_ms
  internal,     // not a chat error (a CAF system error): a bug or a dying server
};

/// The highest code, for tables indexed by code.
inline constexpr chat_errc last_chat_errc = chat_errc::internal;

/// The category of chat errors.
inline constexpr caf::atom_value chat_error_category = caf::atom("chat");

/// The wire name of a code, e.g. "room_full".
const char* to_code(chat_errc code);

/// The chat code of an error: its own for a chat error, `timeout` for a
/// request that timed out, `internal` for anything else.
chat_errc to_chat_errc(const caf::error& err);

/// The human-readable text of an error: a chat error's context, or a
/// default; for an error of another category, what CAF calls it.
std::string error_text(const caf::error& err);

caf::error make_error(chat_errc code);
caf::error make_error(chat_errc code, std::string text);

/// Registers the category with an actor system, so that the system renders
/// chat errors by name (actor_system::render, CAF's logs).
void add_chat_error_category(caf::actor_system_config& cfg);

} // namespace chat
