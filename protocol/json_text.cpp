#include "protocol/json_text.hpp"

#include <algorithm>

namespace chat {

namespace {

bool needs_escape(char c) {
  return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
}

} // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  while (!text.empty()) {
    // Plain characters go in runs: names, ids and rooms are nothing else.
    auto plain = static_cast<std::size_t>(std::find_if(text.begin(), text.end(), needs_escape)
                                          - text.begin());
    out.append(text.data(), plain);
    if (plain == text.size())
      break;
    char c = text[plain];
    text.remove_prefix(plain + 1);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex[(c >> 4) & 0xf];
        out += hex[c & 0xf];
    }
  }
  out += '"';
}

} // namespace chat
