// The wire format of the WebSocket protocol (docs/protocol.md): parsing a
// client's request frame and building every server frame. Frames are built
// as finished strings; a room message frame is built once and shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "actors/atoms.hpp"
#include "actors/chat_error.hpp"

namespace chat {

/// A client frame: {"action", "target", "body", "ref"}.
struct client_request {
  std::string action;
  std::string target;
  nlohmann::json body = nlohmann::json::object();
  std::string ref; // the client's "ref" as raw JSON; empty when absent
  /// An ack's ids when the frame had the plain ack shape (actors/ack_frame):
  /// `body` is then left empty. Otherwise the ids are read from `body`.
  std::optional<id_list> ack_ids;
};

/// Parses one text frame. Errors: bad_request (not JSON, not an object,
/// missing action, wrong types). On error, `ref_out` still receives the
/// frame's ref when it could be read, so the error can carry it.
caf::expected<client_request> parse_request(std::string_view text, std::string& ref_out);

/// Room names: 1-64 of [A-Za-z0-9_.-], or "@" + a valid user name.
bool valid_room_name(std::string_view name);

/// User names: 1-32 of [A-Za-z0-9_.-].
bool valid_user_name(std::string_view name);

/// A user's own channel: "@" + name.
std::string channel_of(const std::string& name);

// -- server frames (`ref` is raw JSON as in client_request, may be empty) ----

frame_ptr make_frame(std::string text);

std::string welcome_frame(const std::string& connection_id, const identity& who);
std::string error_frame(chat_errc code, const std::string& message, const std::string& ref);
/// error `rate_limited`, plus "retry_after_ms": when the frame would pass.
std::string rate_limited_frame(std::int64_t retry_after_ms, const std::string& ref);
std::string joined_frame(const std::string& room, const member_list& members,
                         const std::string& ref);
std::string presence_frame(const std::string& room, const char* event, const identity& who);
std::string left_frame(const std::string& room, const std::string& ref);
/// A room message; `replay` marks one sent again on reconnect.
std::string message_frame(const chat_message& msg, bool replay = false);
std::string sent_frame(const std::string& ref, const chat_message& msg);
std::string direct_frame(const direct_message& msg, bool replay = false);
std::string direct_sent_frame(const std::string& ref, const direct_message& msg);
std::string acked_frame(const std::string& ref, std::size_t count);
std::string truncated_frame(const std::string& room, std::int64_t from_seq);
std::string replayed_frame(std::size_t count);
std::string history_frame(const history_page& page, const std::string& ref);
std::string rooms_frame(const room_list& rooms, const std::string& ref);
std::string members_frame(const std::string& room, const member_list& members,
                          const std::string& ref);
std::string pong_frame(const std::string& ref);

/// Appends `text` as a JSON string literal, escaped as nlohmann's dump()
/// escapes it (text is UTF-8: it came from parsed JSON or a checked name).
void append_json_string(std::string& out, std::string_view text);

/// The JSON of one stored message, as in `message` frames without "type":
/// {"id","seq","room","from":{"user_id","name"},"body","ts"}. Shared by the
/// WebSocket history frame and GET /history.
void append_message_json(std::string& out, const chat_message& msg);

/// {"room","page","messages":[...],"has_more"} (the HTTP history body).
std::string history_json(const history_page& page);

} // namespace chat
