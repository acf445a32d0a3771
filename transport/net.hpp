// Beast and Asio in one place, with the short names used by transport/.
// Only transport .cpp files and their private headers include this: Beast
// stays out of everything the actors compile.
#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace chat {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = boost::asio::ip::tcp;

using http_request = http::request<http::string_body>;

/// Logs a failed operation; quiet for the ends every socket meets
/// (cancellation, peer closed, WebSocket closed).
void fail(const beast::error_code& ec, const char* what);

} // namespace chat
