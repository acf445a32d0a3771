// The bytes of one accepted socket, plain or TLS, chosen per socket at run
// time: the sessions above (HTTP, WebSocket, raw TCP) are written once, not
// once per kind of stream. A TLS stream lives on the heap with the context it
// was made from, so a plain socket pays one null pointer for TLS being
// possible, and moving the stream (HTTP -> WebSocket) moves the TLS state
// along. Private to transport/.
#pragma once

#include <memory>
#include <utility>

#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "transport/net.hpp"

namespace chat {

class byte_stream {
public:
  using executor_type = tcp::socket::executor_type;
  using tls_stream_type = net::ssl::stream<tcp::socket>;

  /// Plain.
  explicit byte_stream(tcp::socket&& socket) : plain_(std::move(socket)) {}

  /// TLS with `ctx` (a server context): the TLS stream's server handshake
  /// comes before anything else.
  byte_stream(tcp::socket&& socket, std::shared_ptr<net::ssl::context> ctx)
    : plain_(socket.get_executor()),
      tls_(std::make_unique<tls_state>(std::move(socket), std::move(ctx))) {}

  byte_stream(byte_stream&&) noexcept = default;
  byte_stream& operator=(byte_stream&&) noexcept = default;

  executor_type get_executor() noexcept { return socket().get_executor(); }

  bool tls() const { return tls_ != nullptr; }

  /// The TCP socket under it all (addresses, shutdown, close).
  tcp::socket& socket() { return tls_ ? tls_->stream.next_layer() : plain_; }

  /// The socket when no TLS is in between: what may be written to directly.
  tcp::socket* plain_socket() { return tls_ ? nullptr : &plain_; }

  tls_stream_type* tls_stream() { return tls_ ? &tls_->stream : nullptr; }

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return net::async_initiate<ReadToken, void(beast::error_code, std::size_t)>(
      [this](auto handler, const MutableBufferSequence& b) {
        if (tls_)
          tls_->stream.async_read_some(b, std::move(handler));
        else
          plain_.async_read_some(b, std::move(handler));
      },
      token, buffers);
  }

  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return net::async_initiate<WriteToken, void(beast::error_code, std::size_t)>(
      [this](auto handler, const ConstBufferSequence& b) {
        if (tls_)
          tls_->stream.async_write_some(b, std::move(handler));
        else
          plain_.async_write_some(b, std::move(handler));
      },
      token, buffers);
  }

private:
  struct tls_state {
    tls_state(tcp::socket&& socket, std::shared_ptr<net::ssl::context> c)
      : ctx(std::move(c)),
        stream(std::move(socket), *ctx) {}
    std::shared_ptr<net::ssl::context> ctx; // outlives the stream made from it
    tls_stream_type stream;
  };

  tcp::socket plain_; // unused (never opened) under TLS
  std::unique_ptr<tls_state> tls_;
};

// How Beast closes the socket under a stream (a WebSocket that timed out),
// found through argument-dependent lookup.
inline void beast_close_socket(byte_stream& stream) {
  beast::error_code ignored;
  stream.socket().close(ignored);
}

// The end of a WebSocket close handshake, found by Beast through
// argument-dependent lookup: TLS's close_notify, or the TCP shutdown.
inline void teardown(beast::role_type role, byte_stream& stream, beast::error_code& ec) {
  if (auto* tls = stream.tls_stream())
    beast::teardown(role, *tls, ec); // boost/beast/websocket/ssl.hpp
  else
    beast::websocket::teardown(role, stream.socket(), ec);
}

template <class TeardownHandler>
void async_teardown(beast::role_type role, byte_stream& stream, TeardownHandler&& handler) {
  if (auto* tls = stream.tls_stream())
    beast::async_teardown(role, *tls, std::forward<TeardownHandler>(handler));
  else
    beast::websocket::async_teardown(role, stream.socket(), std::forward<TeardownHandler>(handler));
}

} // namespace chat
