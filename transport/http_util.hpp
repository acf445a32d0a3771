// Small HTTP helpers shared by the API and the session: JSON responses,
// query parameters, percent-decoding, Bearer tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/chat_error.hpp"
#include "transport/net.hpp"

namespace chat {

using http_response = http::response<http::string_body>;

/// A response with a JSON body (already serialized) for `req`.
http_response json_response(const http_request& req, http::status status, std::string body);

/// {"error": text} with the given status.
http_response error_response(const http_request& req, http::status status, const std::string& text);

/// The HTTP status for a chat error (unauthorized -> 401, ...).
http::status status_of(chat_errc code);

/// Decodes %XX and '+'; nullopt on a malformed escape or a NUL byte.
std::optional<std::string> percent_decode(std::string_view in);

/// The path of a target (before '?').
std::string_view target_path(std::string_view target);

/// The decoded value of `key` in the target's query string, if present.
std::optional<std::string> query_param(std::string_view target, std::string_view key);

/// The token of an "Authorization: Bearer <token>" header, or "".
std::string bearer_token(const http_request& req);

} // namespace chat
