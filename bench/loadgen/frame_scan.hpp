// Reads the few fields the load generator needs out of server frames without
// a JSON parser: the hot path sees hundreds of thousands of `message` frames a
// second, and a full parse of each would make the generator the bottleneck.
// The server's frames are compact JSON (docs/protocol.md) whose ids, types and
// numbers never hold escapes, so a key search is exact for them.
#pragma once

#include <cstdint>
#include <string_view>

namespace bench {

/// The measurement fields the generator puts in every message body:
/// {"t": send time (steady clock, ns), "c": sending client, "k": its counter}.
struct body_fields {
  std::int64_t t = 0;
  std::uint32_t c = 0;
  std::uint32_t k = 0;
};

/// `{"type":"X",...}` -> X; empty when the frame does not start that way.
std::string_view frame_type(std::string_view frame);

/// The string value of `"key":"..."` (no escapes inside); empty when absent.
std::string_view string_field(std::string_view frame, std::string_view key);

/// The integer value of `"key":N`; false when absent or not an integer.
bool int_field(std::string_view frame, std::string_view key, std::int64_t& out);

/// Reads t, c and k from a body object (`{"c":..,"k":..,"t":..}` in any order).
bool parse_body(std::string_view body, body_fields& out);

/// A chat-actors `message` frame: its id and the body's fields.
bool scan_message(std::string_view frame, std::string_view& id, body_fields& out);

} // namespace bench
