// One HTTP session: completes the TLS handshake when the socket is TLS,
// reads requests one at a time, answers API calls and static files, and
// hands a WebSocket upgrade (with its stream, TLS and all) to a
// websocket_session once the token checked out. Private to transport/ (it
// includes Beast).
#pragma once

#include <memory>
#include <optional>

#include "transport/byte_stream.hpp"
#include "transport/net.hpp"
#include "transport/server_context.hpp"

namespace chat {

class http_session : public std::enable_shared_from_this<http_session> {
public:
  /// An empty `address_slot` (the peer's address is at max_connections_per_ip):
  /// the session answers its request with 503 and closes.
  http_session(byte_stream&& stream, std::shared_ptr<server_context> ctx,
               connection_limits::slot address_slot);

  void run();

private:
  void start();
  void on_handshake(beast::error_code ec);
  void do_read();
  void on_read(beast::error_code ec, std::size_t bytes);
  void handle(http_request req);
  void upgrade(http_request req);

  /// Writes `msg` (on the socket's I/O thread), then reads the next request
  /// or closes.
  void write(http::message_generator msg);
  void on_write(bool keep_alive, beast::error_code ec, std::size_t bytes);
  /// Ends the connection from our side: TLS's close_notify, or a TCP FIN.
  void close();

  /// Closes the socket if the current step (handshake, request, answer)
  /// takes longer than `d`; the next call re-arms it.
  void expire_after(std::chrono::steady_clock::duration d);
  void expire_never();

  /// A responder that brings a response from any thread back to the
  /// socket's I/O thread.
  std::function<void(http::response<http::string_body>)> post_back();

  byte_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<server_context> ctx_;
  connection_limits::slot address_slot_; // handed on to a WebSocket
  std::string peer_;                     // the client's address
};

} // namespace chat
