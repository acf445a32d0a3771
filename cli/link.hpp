// One connection attempt to the server: TCP connect, then either the
// WebSocket upgrade (GET /ws?token=T; over TLS for wss://) or, in raw TCP
// JSON mode, the
// {"action":"auth"} first line. Text in, text out, one JSON object each;
// a bounded write queue. A dropped link is not reused: client makes a new one.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include "cli/options.hpp"

namespace chat::cli {

class link : public std::enable_shared_from_this<link> {
public:
  /// Most frames waiting to be written; beyond, the link is dropped.
  static constexpr std::size_t queue_limit = 8192;
  /// Connect + handshake deadline.
  static constexpr int handshake_timeout_s = 10;

  struct handlers {
    std::function<void(std::string)> on_text;
    /// `refused`: the server turned the token down (HTTP 401 on upgrade).
    std::function<void(const std::string& why, bool refused)> on_closed;
  };

  link(boost::asio::io_context& ioc, bool tcp_mode, handlers h);

  /// Connects to `ep` and authenticates with `token`.
  void run(const endpoint& ep, const std::string& token);

  /// Queues one frame (its JSON text).
  void send(std::string text);

  /// Closes politely (WebSocket close 1000 / TCP FIN), then `done`.
  void close(std::function<void()> done);

private:
  void on_connected(const std::string& host, const std::string& token);
  void read_next();
  void write_next();
  void fail(const std::string& why, bool refused = false);

  // The WebSocket, plain or over TLS: `f(ws)` on the one in use.
  template <class F>
  void with_ws(F&& f) {
    if (tls_ws_)
      f(*tls_ws_);
    else
      f(ws_);
  }
  boost::asio::ip::tcp::socket& socket() {
    return tls_ws_ ? tls_ws_->next_layer().next_layer() : ws_.next_layer();
  }

  boost::asio::ip::tcp::resolver resolver_;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_; // plain, and raw TCP
  std::shared_ptr<boost::asio::ssl::context> tls_ctx_;
  std::unique_ptr<
    boost::beast::websocket::stream<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>>>
    tls_ws_; // wss://
  boost::asio::steady_timer deadline_;
  boost::beast::websocket::response_type upgrade_res_;
  boost::beast::flat_buffer read_buf_;
  std::string line_buf_;
  std::deque<std::string> queue_;
  bool tcp_mode_;
  bool open_ = false; // authenticated stream: reads and writes may run
  bool writing_ = false;
  bool closed_ = false;
  handlers handlers_;
};

} // namespace chat::cli
