// The cluster bus's notification (cluster mode): what a commit tells the
// other nodes through PostgreSQL's NOTIFY, and its reading back. One owner of
// the format, both directions. The payload is JSON:
//   {"rooms":[{"room":"lobby","last":12,"messages":[{"id":"m40","seq":11,
//     "user_id":"...","name":"ann","body":"{\"text\":\"hi\"}","ts":...},...]}]}
// `messages` (the commit's messages of that room, seq order) is left out of
// every room when the whole would not fit under notice_max_bytes (NOTIFY takes
// at most 8000 bytes): the rooms then read what they miss from the database.
// A notification is a hint: the seq is the truth (docs/architecture.md).
// Private to storage/.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace chat {

inline constexpr std::size_t notice_max_bytes = 7500;

/// The notification for a commit that stored `messages` (any rooms, in
/// commit order); empty if it stored none.
std::string room_notice(const std::vector<chat_message>& messages);

/// The events of a notification; none for a payload that is not one.
std::vector<room_event_ptr> parse_room_notice(const std::string& payload);

} // namespace chat
