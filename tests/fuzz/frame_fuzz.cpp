// Fuzzes the client frame decoder: chat::parse_request (protocol/request.cpp and
// its DOM-less reader of ack, send and dm frames, protocol/plain_frame.cpp), as
// the connection actor runs it on every WebSocket text frame and JSON-mode TCP
// line up to max_frame_bytes, plus the room/user name checks and the server
// frames built from what it returns.
//
// Asserts, besides no crash, leak or UB:
// - an error is always bad_request; a success came from a JSON object whose
//   "action" is a string, and `ref_out` then equals the request's ref;
// - the ref, echoed raw into error_frame, leaves a JSON object whose "ref" is
//   the client's value (a ref can never break a server frame);
// - valid_room_name / valid_user_name accept exactly the documented grammar;
// - a `send` body, as the connection takes it (object_body_text: the plain
//   reader's text or the DOM's dump()) and put into message_frame, parses
//   back to the body the DOM reads, and line mode
//   (format_frame) shows it as a single line;
// - an ack read without the DOM has the ids and the ref the DOM reads.
#include "protocol/frames.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/names.hpp"
#include "protocol/request.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "transport/line_format.hpp"

namespace {

using json = nlohmann::json;

// docs/protocol.md: names are 1-32 (users) / 1-64 (rooms) of [A-Za-z0-9_.-];
// a room may also be "@" + a user name.
bool grammar_name(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max)
    return false;
  for (unsigned char c : s)
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-')
      return false;
  return true;
}

void check_names(std::string_view s) {
  FUZZ_CHECK(chat::valid_user_name(s) == grammar_name(s, 32), "user name grammar");
  bool room = s.size() > 1 && s[0] == '@' ? grammar_name(s.substr(1), 32) : grammar_name(s, 64);
  FUZZ_CHECK(chat::valid_room_name(s) == room, "room name grammar");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  check_names(text);
  std::string ref;
  auto req = chat::parse_request(text, ref);
  if (!ref.empty()) {
    auto frame
      = json::parse(chat::error_frame(chat::chat_errc::bad_request, "x", ref), nullptr, false);
    FUZZ_CHECK(frame.is_object() && frame.contains("ref"), "error frame with ref is JSON");
    FUZZ_CHECK(frame["ref"] == json::parse(ref), "ref echoed unchanged");
  }
  if (!req) {
    FUZZ_CHECK(chat::to_chat_errc(req.error()) == chat::chat_errc::bad_request,
               "parse errors are bad_request");
    return 0;
  }
  FUZZ_CHECK(req->ref == ref, "ref_out is the request's ref");
  auto doc = json::parse(text);
  FUZZ_CHECK(doc.is_object() && doc["action"].is_string()
               && doc["action"].get<std::string>() == req->action,
             "action is the frame's string action");
  check_names(req->target);
  if (req->ack_ids) {
    // Read without the DOM (protocol/ack_frame): it must agree with the DOM.
    FUZZ_CHECK(req->action == "ack", "a plain ack is an ack");
    const auto& ids = doc["body"]["ids"];
    FUZZ_CHECK(ids.is_array() && ids.size() == req->ack_ids->size(), "ack ids are the frame's");
    for (std::size_t i = 0; i < ids.size(); ++i)
      FUZZ_CHECK(ids[i].is_string() && ids[i].get<std::string>() == (*req->ack_ids)[i],
                 "each ack id is the frame's string");
    auto dom_ref = doc.contains("ref") && !doc["ref"].is_null() ? doc["ref"].dump() : "";
    FUZZ_CHECK(req->ref == dom_ref, "a plain ack's ref renders as dump() does");
  }
  bool plain_body = req->body_text.has_value();
  if (auto body = chat::object_body_text(*req)) {
    // What a receiver of the message reads is the frame's body as the DOM
    // reads it (an absent body is an empty object), whichever reader took it.
    auto sent = doc.contains("body") && !doc["body"].is_null() ? doc["body"] : json::object();
    FUZZ_CHECK(sent.is_object(), "only an object body is sent");
    FUZZ_CHECK(!plain_body || req->action == "send" || req->action == "dm",
               "a body read without the DOM is a send's or dm's");
    chat::chat_message msg{"m1", 1, "room", "0123456789abcdef", "alice", std::move(*body), 0};
    auto frame = json::parse(chat::message_frame(msg, true));
    FUZZ_CHECK(frame["body"] == sent, "message body round-trips");
    auto line = chat::format_frame(frame);
    FUZZ_CHECK(line && line->find('\n') == std::string::npos, "one message, one line");
  }
  return 0;
}
