// A client's request frame (docs/protocol.md): {"action", "target", "body",
// "ref"}, read into a client_request. An ack, send or dm in its plain shape
// skips the DOM (protocol/plain_frame.hpp).
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
// clang-tidy flags the implicit move constructor of a struct holding a json
// (json's noexcept move calls assert_invariant(), which only asserts; see
// frame_view in tests/stress/stress_support.hpp).
// NOLINTNEXTLINE(bugprone-exception-escape)
struct client_request {
  std::string action;
  std::string target;
  /// The body as parsed; an empty object when the frame had none, null when
  /// the frame was read without the DOM (then one of the two below is set).
  nlohmann::json body;
  std::string ref; // the client's "ref" as raw JSON; empty when absent
  /// An ack's ids when the frame had the plain ack shape (protocol/
  /// plain_frame). Otherwise the ids are read from `body`.
  std::optional<id_list> ack_ids;
  /// A send's or dm's body as compact JSON text (an object) when the frame
  /// had the plain shape. Otherwise it is `body` (see object_body_text).
  std::optional<std::string> body_text;
};

/// The body of a send or dm as JSON text, when it is a JSON object: taken
/// from `body_text`, or written from `body`. Nothing when it is no object.
std::optional<std::string> object_body_text(client_request& req);

/// Parses one text frame. Errors: bad_request (not JSON, not an object,
/// missing action, wrong types). On error, `ref_out` still receives the
/// frame's ref when it could be read, so the error can carry it.
caf::expected<client_request> parse_request(std::string_view text, std::string& ref_out);

} // namespace chat
