// Turns server frames into the lines the terminal shows, e.g.
// "12:03:04 [devroom] bob: hello" or "12:03:05 [dm] bob: psst".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace chat::cli {

/// "HH:MM:SS" (local time) of a Unix time in milliseconds.
std::string clock_time(long long ts_ms);

/// body.text, or the body's JSON when it has no text; newlines become spaces.
std::string body_text(const nlohmann::json& body);

/// The line for a message / direct frame.
std::string format_message(const nlohmann::json& frame);

/// The lines for any other frame (joined, members, rooms, history, presence,
/// error, ...); empty for frames the user need not see (sent, acked, ...).
std::string format_frame(const nlohmann::json& frame);

} // namespace chat::cli
