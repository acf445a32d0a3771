// The plain structs that travel in messages between transport, actors and
// storage (the atoms that tag them are in protocol/atoms.hpp). Everything
// here stays inside one process, so the structs are allowed as unsafe
// (unserialized) message types instead of getting `inspect` overloads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>

namespace chat {

/// An immutable, already serialized frame. A broadcast builds one and every
/// recipient shares the same bytes.
using frame_ptr = std::shared_ptr<const std::string>;

class session;

/// A connection's transport session as actors see it (protocol/session.hpp).
/// The user actor writes deliveries to it directly: one actor hop less per
/// delivered frame than going through the connection actor.
using session_ptr = std::shared_ptr<session>;

/// A frame that must be acked: a room message or a direct, with what the
/// user actor needs to track it. Built once per message and shared by every
/// recipient.
struct delivery {
  frame_ptr frame;
  std::string id;   // empty for a frame that needs no ack (presence)
  std::string room; // empty for a direct
  std::int64_t seq = 0;
  std::string skip_user; // not for this user (a join's presence skips the joiner)
};

using delivery_ptr = std::shared_ptr<const delivery>;

/// Frames sent as one unit: a replay, or the live frames of one burst.
using frame_batch = std::vector<frame_ptr>;

/// The deliveries a room fans out at once, shared by every member.
using delivery_batch = std::shared_ptr<const std::vector<delivery_ptr>>;

/// Who is behind a connection: the result of a token check.
struct identity {
  std::string user_id;
  std::string name;
};

/// A stored account.
struct user_record {
  std::string user_id;
  std::string name;
  std::string password_hash; // argon2id string as libsodium encodes it
};

/// A stored login token (only its hash is kept).
struct token_record {
  std::string token_hash;
  std::string user_id;
  std::int64_t expires_at_ms = 0;
};

struct member_record {
  std::string user_id;
  std::string name;
};

/// A room as stored: settings, members and the last assigned sequence number.
struct room_record {
  std::string name;
  bool is_private = false;
  std::string key; // empty = no key
  std::uint32_t max_members = 0;
  std::int64_t last_seq = 0;
  std::vector<member_record> members;
};

/// Settings a creator may give on the first join; `key` is also what a joiner
/// presents to enter a keyed room.
struct join_options {
  std::optional<std::uint32_t> max_members;
  bool is_private = false;
  std::string key;
};

/// One room message. `id` is assigned by storage, `seq` by the room.
struct chat_message {
  std::string id;
  std::int64_t seq = 0;
  std::string room;
  std::string user_id;
  std::string name;
  std::string body;    // the JSON object as sent, serialized
  std::int64_t ts = 0; // Unix milliseconds
};

/// One direct message. `id` ("d" + row id) is assigned by storage.
struct direct_message {
  std::string id;
  std::string to_user;
  std::string from_user;
  std::string from_name;
  std::string body; // the JSON object as sent, serialized
  std::int64_t ts = 0;
};

/// Where a member stands in a room's log: every seq <= acked_seq is acked,
/// and so are the seqs in acked_above (acks that arrived out of order).
struct room_cursor {
  std::string room;
  std::int64_t acked_seq = 0;
  std::vector<std::int64_t> acked_above; // ascending, all > acked_seq
};

/// What a room owes a member on reconnect: the messages after its cursor,
/// cut to the newest backlog_max. `truncated` says older ones were cut;
/// the first message kept then has seq `from_seq`.
struct room_backlog {
  std::string room;
  bool truncated = false;
  std::int64_t from_seq = 0;
  std::vector<chat_message> messages; // seq order
};

/// Everything unacked for one user, read in one storage step.
struct replay_batch {
  std::vector<direct_message> directs; // id order
  std::vector<room_backlog> rooms;
};

struct history_page {
  std::string room;
  std::int64_t page = 0;
  std::vector<chat_message> messages; // oldest first
  bool has_more = false;
};

struct room_summary {
  std::string name;
  std::int64_t members = 0;
  bool is_private = false;
  bool member = false; // the asking user belongs to it
};

/// A member as shown to clients (`joined`, `members`).
struct member_view {
  std::string user_id;
  std::string name;
  bool online = false;
};

/// The answer to a successful login.
struct login_result {
  std::string token;
  identity who;
  std::int64_t expires_in = 0; // seconds
};

/// What a valid token grants (the answer to a token check): who it is, the
/// token's digest, and until when it holds.
struct token_grant {
  identity who;
  std::string token_hash;
  std::int64_t expires_at_ms = 0;
};

/// What the cluster bus (cluster mode) reports about one room after a commit,
/// by whichever node: its seqs now reach `last_seq`; `messages` holds the
/// commit's messages of the room in seq order when they fitted in the
/// notification, else nothing (the room reads what it misses from storage).
struct room_event {
  std::string room;
  std::int64_t last_seq = 0;
  std::vector<chat_message> messages;
};

using room_event_ptr = std::shared_ptr<const room_event>;

/// One user's connections on one node (cluster mode): online while that node
/// holds a connection of the user and its heartbeat is fresh.
struct node_presence {
  std::string user_id;
  std::string node_id;
  bool online = true;
};

/// What the cluster bus learned of the other nodes' online users: a snapshot
/// (every pair online now, replacing what was known) or changes (in commit
/// order).
struct presence_report {
  bool snapshot = false;
  std::vector<node_presence> entries;
};

using presence_report_ptr = std::shared_ptr<const presence_report>;

using message_list = std::vector<chat_message>;
using member_list = std::vector<member_view>;
using room_list = std::vector<room_summary>;
using user_list = std::vector<user_record>;
using token_list = std::vector<token_record>;
using name_list = std::vector<std::string>;
using cursor_list = std::vector<room_cursor>;
using id_list = std::vector<std::string>;

} // namespace chat

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::frame_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::session_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::delivery_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::frame_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::delivery_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::identity)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::user_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::token_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::room_record)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::join_options)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::chat_message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::history_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::direct_message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::replay_batch)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::cursor_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::member_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::login_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::token_grant)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::room_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::user_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::token_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::name_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::room_event_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::presence_report_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::message_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<chat::room_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<chat::user_record>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::optional<chat::token_grant>)
