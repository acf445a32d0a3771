// The server's frames (docs/protocol.md), built as finished strings; a room
// message frame is built once and shared by every recipient. Client frames
// are read in protocol/request.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/chat_error.hpp"
#include "protocol/messages.hpp"

namespace chat {

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
/// A stored direct's live delivery (its frame, built once): what the
/// sender's node and, in cluster mode, the other nodes' buses hand to the
/// recipient's user actor.
delivery_ptr direct_delivery(const direct_message& msg);
std::string direct_sent_frame(const std::string& ref, const direct_message& msg);
std::string acked_frame(const std::string& ref, std::size_t count);
std::string truncated_frame(const std::string& room, std::int64_t from_seq);
std::string replayed_frame(std::size_t count);
std::string history_frame(const history_page& page, const std::string& ref);
/// `more` is there when the client asked for an offer: whether rooms or
/// channels on offer were left out.
std::string rooms_frame(const room_list& rooms, const std::string& ref,
                        std::optional<bool> more = std::nullopt);
std::string members_frame(const std::string& room, const member_list& members,
                          const std::string& ref);
std::string pong_frame(const std::string& ref);

/// The JSON of one stored message, as in `message` frames without "type":
/// {"id","seq","room","from":{"user_id","name"},"body","ts"}. Shared by the
/// WebSocket history frame and GET /history.
void append_message_json(std::string& out, const chat_message& msg);

/// {"room","page","messages":[...],"has_more"} (the HTTP history body).
std::string history_json(const history_page& page);

} // namespace chat
