// The cluster bus's notification (cluster mode): what a commit tells the
// other nodes through PostgreSQL's NOTIFY, and its reading back. One owner of
// the format, both directions. A payload is a JSON object, each list optional:
//   {"from":"<instance>",
//    "rooms":[{"room":"lobby","last":12,"messages":[{"id":"m40","seq":11,
//      "user_id":"...","name":"ann","body":"{\"text\":\"hi\"}","ts":...},...]}],
//    "directs":[{"id":"d7","to":"...","from_user":"...","from_name":"ann",
//      "body":"{...}","ts":...}],
//    "logouts":["<token digest>",...],
//    "acks":[{"user_id":"...","cursors":[{"room":"lobby","seq":12,"above":[14]}],
//      "directs":["d7"]}],
//    "members":[{"room":"lobby","user_id":"...","name":"ann","joined":true}],
//    "presence":[{"user_id":"...","node":"host:8080","online":true}]}
// NOTIFY takes at most 8000 bytes, so a commit sends as many notifications
// as its news need, each under notice_max_bytes (all in its transaction:
// delivered together on commit, or not at all). A room's `messages` are
// left out when its entry alone would take more than a quarter of that (the
// rooms then read what they miss from the database), and so is a direct or
// an ack entry that would (the direct then reaches a recipient on another
// node at its next connect, by replay; an ack's other nodes wait for the ack
// timeout). `from` names the committing process, which delivered its own
// directs and made its own membership changes already.
// A notification is a hint: the seq is the truth (docs/architecture.md).
// Private to storage/.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "protocol/messages.hpp"

namespace chat {

inline constexpr std::size_t notice_max_bytes = 7500;

/// One ack frame's acks, committed: the user's actors on other nodes stop
/// waiting for them.
struct ack_notice {
  std::string user_id;
  cursor_list cursors;
  id_list directs;
};

/// A membership that changed.
struct member_notice {
  std::string room;
  identity who;
  bool joined = false;
};

/// What one commit stored that other nodes must hear of.
struct commit_summary {
  std::string instance;               // the committing process
  std::vector<chat_message> messages; // any rooms, commit order
  std::vector<std::string> logouts;   // deleted token digests
  std::vector<direct_message> directs;
  std::vector<ack_notice> acks;
  std::vector<member_notice> members;
  std::vector<node_presence> presence;
};

/// The notifications for a commit, each under notice_max_bytes; none if it
/// holds nothing to tell.
std::vector<std::string> commit_notices(const commit_summary& commit);

struct bus_notice {
  std::string from; // the committing process
  std::vector<room_event_ptr> rooms;
  std::vector<std::string> logouts;
  std::vector<direct_message> directs;
  std::vector<ack_notice> acks;
  std::vector<member_notice> members;
  std::vector<node_presence> presence;
};

/// What a notification says; nothing for a payload that is not one.
bus_notice parse_commit_notice(const std::string& payload);

} // namespace chat
