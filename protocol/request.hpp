// A client's request frame (docs/protocol.md): {"action", "target", "body",
// "ref"}, read into a client_request. An ack in its plain shape skips the
// DOM (protocol/ack_frame.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "protocol/chat_error.hpp"
#include "protocol/messages.hpp"

namespace chat {

/// A client frame: {"action", "target", "body", "ref"}.
struct client_request {
  std::string action;
  std::string target;
  nlohmann::json body = nlohmann::json::object();
  std::string ref; // the client's "ref" as raw JSON; empty when absent
  /// An ack's ids when the frame had the plain ack shape (protocol/ack_frame):
  /// `body` is then left empty. Otherwise the ids are read from `body`.
  std::optional<id_list> ack_ids;
};

/// Parses one text frame. Errors: bad_request (not JSON, not an object,
/// missing action, wrong types). On error, `ref_out` still receives the
/// frame's ref when it could be read, so the error can carry it.
caf::expected<client_request> parse_request(std::string_view text, std::string& ref_out);

} // namespace chat
