#include "protocol/names.hpp"

#include <algorithm>

namespace chat {

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
         || c == '.' || c == '-';
}

bool valid_name(std::string_view name, std::size_t max_len) {
  return !name.empty() && name.size() <= max_len
         && std::all_of(name.begin(), name.end(), name_char);
}

} // namespace

bool valid_user_name(std::string_view name) {
  return valid_name(name, 32);
}

bool valid_room_name(std::string_view name) {
  if (!name.empty() && name.front() == '@')
    return valid_user_name(name.substr(1));
  return valid_name(name, 64);
}

std::string channel_of(const std::string& name) {
  return "@" + name;
}

} // namespace chat
