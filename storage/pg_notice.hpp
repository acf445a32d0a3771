// The cluster bus's notification (cluster mode): what a commit tells the
// other nodes through PostgreSQL's NOTIFY, and its reading back. One owner of
// the format, both directions. The payload is JSON:
//   {"rooms":[{"room":"lobby","last":12,"messages":[{"id":"m40","seq":11,
//     "user_id":"...","name":"ann","body":"{\"text\":\"hi\"}","ts":...},...]}],
//    "logouts":["<token digest>",...]}
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
/// commit order) and deleted the tokens `logouts` (digests); empty if
/// neither.
std::string commit_notice(const std::vector<chat_message>& messages,
                          const std::vector<std::string>& logouts);

struct bus_notice {
  std::vector<room_event_ptr> rooms;
  std::vector<std::string> logouts;
};

/// What a notification says; nothing for a payload that is not one.
bus_notice parse_commit_notice(const std::string& payload);

} // namespace chat
