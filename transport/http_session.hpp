// One HTTP session: reads requests one at a time, answers API calls and
// static files, and hands a WebSocket upgrade to a websocket_session once
// the token checked out. Private to transport/ (it includes Beast).
#pragma once

#include <memory>
#include <optional>

#include "transport/net.hpp"
#include "transport/server_context.hpp"

namespace chat {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  /// An empty `address_slot` (the peer's address is at max_connections_per_ip):
  /// the session answers its request with 503 and closes.
  http_session(tcp::socket&& socket, std::shared_ptr<server_context> ctx,
               connection_limits::slot address_slot);

  void run();

private:
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void handle(http_request req);
  void upgrade(http_request req);

  /// Writes `msg` (on the socket's I/O thread), then reads the next request
  /// or closes.
  void write(http::message_generator msg);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);

  /// A responder that brings a response from any thread back to the
  /// socket's I/O thread.
  std::function<void(http::response<http::string_body>)> post_back();

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<server_context> ctx_;
  connection_limits::slot address_slot_; // handed on to a WebSocket
  std::string peer_;                     // the client's address
};

} // namespace chat
