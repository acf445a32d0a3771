#include "protocol/message_id.hpp"

#include <charconv>

namespace chat {

std::string room_message_id(std::int64_t row) {
  return "m" + std::to_string(row);
}

std::string direct_message_id(std::int64_t row) {
  return "d" + std::to_string(row);
}

std::optional<message_id> parse_message_id(std::string_view id) {
  if (id.size() < 2 || (id.front() != 'm' && id.front() != 'd'))
    return std::nullopt;
  std::int64_t row = 0;
  const char* end = id.data() + id.size();
  auto [last, ec] = std::from_chars(id.data() + 1, end, row);
  if (ec != std::errc{} || last != end || row <= 0)
    return std::nullopt;
  return message_id{id.front() == 'm' ? message_kind::room : message_kind::direct, row};
}

} // namespace chat
