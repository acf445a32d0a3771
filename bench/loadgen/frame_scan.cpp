// Key searches over compact JSON frames; see frame_scan.hpp.
#include "bench/loadgen/frame_scan.hpp"

#include <charconv>

namespace bench {

namespace {

// Finds `"key":` and returns the position just after the colon, or npos.
std::size_t value_pos(std::string_view text, std::string_view key) {
  std::size_t from = 0;
  while (true) {
    auto at = text.find(key, from);
    if (at == std::string_view::npos)
      return at;
    auto end = at + key.size();
    // A real key: quoted on both sides and followed by a colon.
    if (at > 0 && text[at - 1] == '"' && end + 1 < text.size() && text[end] == '"'
        && text[end + 1] == ':')
      return end + 2;
    from = at + 1;
  }
}

bool parse_int(std::string_view text, std::size_t pos, std::int64_t& out) {
  if (pos == std::string_view::npos || pos >= text.size())
    return false;
  auto res = std::from_chars(text.data() + pos, text.data() + text.size(), out);
  return res.ec == std::errc();
}

} // namespace

std::string_view frame_type(std::string_view frame) {
  constexpr std::string_view prefix = R"({"type":")";
  if (frame.substr(0, prefix.size()) != prefix)
    return {};
  auto end = frame.find('"', prefix.size());
  if (end == std::string_view::npos)
    return {};
  return frame.substr(prefix.size(), end - prefix.size());
}

std::string_view string_field(std::string_view frame, std::string_view key) {
  auto pos = value_pos(frame, key);
  if (pos == std::string_view::npos || pos >= frame.size() || frame[pos] != '"')
    return {};
  auto end = frame.find('"', pos + 1);
  if (end == std::string_view::npos)
    return {};
  return frame.substr(pos + 1, end - pos - 1);
}

bool int_field(std::string_view frame, std::string_view key, std::int64_t& out) {
  return parse_int(frame, value_pos(frame, key), out);
}

bool parse_body(std::string_view body, body_fields& out) {
  std::int64_t t = 0, c = 0, k = 0;
  if (!int_field(body, "t", t) || !int_field(body, "c", c) || !int_field(body, "k", k))
    return false;
  if (c < 0 || k < 0 || c > UINT32_MAX || k > UINT32_MAX)
    return false;
  out.t = t;
  out.c = static_cast<std::uint32_t>(c);
  out.k = static_cast<std::uint32_t>(k);
  return true;
}

bool scan_message(std::string_view frame, std::string_view& id, body_fields& out) {
  id = string_field(frame, "id");
  if (id.empty())
    return false;
  auto body = value_pos(frame, "body");
  if (body == std::string_view::npos || body >= frame.size() || frame[body] != '{')
    return false;
  // Our bodies are flat objects: the first '}' closes them.
  auto close = frame.find('}', body);
  if (close == std::string_view::npos)
    return false;
  return parse_body(frame.substr(body, close - body + 1), out);
}

} // namespace bench
