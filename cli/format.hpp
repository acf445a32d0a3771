// Turns server frames into the lines the terminal shows, e.g.
// "12:03:04 [devroom] bob: hello" or "12:03:05 [dm] bob: psst".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace chat::cli {

// Fields of server frames, read without trusting their types: a field that
// is missing or of another type gives the fallback (nlohmann's value() and
// get() throw, and a frame the client cannot read must not end it).

/// `frame[key]` if it is a string, else `fallback`.
std::string text_of(const nlohmann::json& frame, const char* key, std::string fallback = "");

/// `frame[key]` if it is an array, else an empty one.
nlohmann::json array_of(const nlohmann::json& frame, const char* key);

/// `frame[key]` if it is an integer, else `fallback`.
long long number_of(const nlohmann::json& frame, const char* key, long long fallback = 0);

/// `frame[key]` if it is a boolean, else false.
bool flag_of(const nlohmann::json& frame, const char* key);

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
