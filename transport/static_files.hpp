// Static files (the browser client) from web_root. No request can reach a
// file outside web_root: paths are decoded first, then any ".." segment,
// backslash or NUL is refused, and the resolved path must stay inside.
#pragma once

#include <string>

#include "transport/net.hpp"

namespace chat {

/// The response to a GET or HEAD of a static file (404 when absent or
/// outside web_root, 400 for a malformed target, 405 for other methods).
http::message_generator serve_static(const std::string& web_root, const http_request& req);

/// The resolved file for `target` under `web_root`, or "" if the target
/// must not be served. Exposed for tests.
std::string resolve_static_path(const std::string& web_root, std::string_view target);

} // namespace chat
