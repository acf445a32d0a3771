// The names the protocol accepts: users, rooms, and a user's own channel.
#pragma once

#include <string>
#include <string_view>

namespace chat {

/// User names: 1-32 of [A-Za-z0-9_.-].
bool valid_user_name(std::string_view name);

/// Room names: 1-64 of [A-Za-z0-9_.-], or "@" + a valid user name.
bool valid_room_name(std::string_view name);

/// A user's own channel: "@" + name.
std::string channel_of(const std::string& name);

} // namespace chat
