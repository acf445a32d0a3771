// The cluster bus's notification (cluster mode): what a commit tells the
// other nodes through PostgreSQL's NOTIFY, and its reading back. One owner of
// the format, both directions. The payload is JSON:
//   {"rooms":[{"room":"lobby","last":12,"messages":[{"id":"m40","seq":11,
//     "user_id":"...","name":"ann","body":"{\"text\":\"hi\"}","ts":...},...]}],
//    "logouts":["<token digest>",...],
//    "from":"<instance>","directs":[{"id":"d7","to":"...","from_user":"...",
//      "from_name":"ann","body":"{...}","ts":...},...]}
// `messages` (the commit's messages of that room, seq order) is left out of
// every room when the whole would not fit under notice_max_bytes (NOTIFY takes
// at most 8000 bytes): the rooms then read what they miss from the database.
// So are the directs, which then reach a recipient on another node at its
// next connect (replay) instead of live. `from` names the committing process,
// whose own directs went out already.
// A notification is a hint: the seq is the truth (docs/architecture.md).
// Private to storage/.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace chat {

inline constexpr std::size_t notice_max_bytes = 7500;

/// What one commit stored that other nodes must hear of.
struct commit_summary {
  std::string instance;               // the committing process
  std::vector<chat_message> messages; // any rooms, commit order
  std::vector<std::string> logouts;   // deleted token digests
  std::vector<direct_message> directs;
};

/// The notification for a commit; empty if it holds nothing to tell.
std::string commit_notice(const commit_summary& commit);

struct bus_notice {
  std::string from; // the committing process
  std::vector<room_event_ptr> rooms;
  std::vector<std::string> logouts;
  std::vector<direct_message> directs;
};

/// What a notification says; nothing for a payload that is not one.
bus_notice parse_commit_notice(const std::string& payload);

} // namespace chat
