// JSON written as text, without a DOM: the pieces server frames and the ack
// reader share.
#pragma once

#include <string>
#include <string_view>

namespace chat {

/// Appends `text` as a JSON string literal, escaped as nlohmann's dump()
/// escapes it (text is UTF-8: it came from parsed JSON or a checked name).
void append_json_string(std::string& out, std::string_view text);

} // namespace chat
