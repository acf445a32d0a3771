// Connection attempt and framing (WebSocket text frames or JSON lines); see
// link.hpp. All handlers run on the one io_context thread.
#include "cli/link.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <nlohmann/json.hpp>

#include "cli/tls.hpp"

namespace chat::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

link::link(net::io_context& ioc, bool tcp_mode, handlers h)
  : resolver_(ioc),
    ws_(ioc),
    deadline_(ioc),
    tcp_mode_(tcp_mode),
    handlers_(std::move(h)) {
}

void link::run(const endpoint& ep, const std::string& token) {
  auto self = shared_from_this();
  deadline_.expires_after(std::chrono::seconds(handshake_timeout_s));
  deadline_.async_wait([self](error_code ec) {
    if (!ec && !self->open_)
      self->fail("connect timed out");
  });
  if (ep.tls && !tcp_mode_) {
    std::string error;
    tls_ctx_ = tls_context(ep, error);
    if (!tls_ctx_)
      return fail(error);
    tls_ws_ = std::make_unique<websocket::stream<net::ssl::stream<tcp::socket>>>(ws_.get_executor(),
                                                                                 *tls_ctx_);
    expect_host(tls_ws_->next_layer(), ep);
  }
  auto host = ep.host + ":" + std::to_string(ep.port);
  resolver_.async_resolve(
    ep.host, std::to_string(ep.port),
    [self, host, token](error_code ec, const tcp::resolver::results_type& results) {
      if (ec)
        return self->fail("resolve: " + ec.message());
      net::async_connect(self->socket(), results,
                         [self, host, token](error_code ec, const tcp::endpoint&) {
                           if (ec)
                             return self->fail("connect: " + ec.message());
                           self->on_connected(host, token);
                         });
    });
}

void link::on_connected(const std::string& host, const std::string& token) {
  if (closed_)
    return;
  error_code ignored;
  socket().set_option(tcp::no_delay(true), ignored);
  auto self = shared_from_this();
  if (tcp_mode_) {
    open_ = true;
    deadline_.cancel();
    send(nlohmann::json{{"action", "auth"}, {"body", {{"token", token}}}}.dump());
    read_next();
    return;
  }
  auto upgrade = [self, host, token](auto& ws) {
    ws.read_message_max(16 * 1024 * 1024);
    ws.async_handshake(self->upgrade_res_, host, "/ws?token=" + token, [self](error_code ec) {
      if (ec) {
        bool refused = self->upgrade_res_.result_int() == 401;
        return self->fail(
          "handshake: " + (refused ? std::string("401 unauthorized") : ec.message()), refused);
      }
      self->open_ = true;
      self->deadline_.cancel();
      self->read_next();
      self->write_next();
    });
  };
  if (!tls_ws_)
    return upgrade(ws_);
  // wss: the TLS handshake (the certificate checked) comes first.
  tls_ws_->next_layer().async_handshake(net::ssl::stream_base::client,
                                        [self, upgrade](error_code ec) {
                                          if (ec)
                                            return self->fail("tls handshake: " + ec.message());
                                          upgrade(*self->tls_ws_);
                                        });
}

void link::read_next() {
  auto self = shared_from_this();
  if (tcp_mode_) {
    net::async_read_until(
      ws_.next_layer(), net::dynamic_buffer(line_buf_), '\n', [self](error_code ec, std::size_t n) {
        if (ec)
          return self->fail(ec == net::error::eof ? "server closed" : ec.message());
        std::string line = self->line_buf_.substr(0, n - 1);
        self->line_buf_.erase(0, n);
        if (!line.empty() && line.back() == '\r')
          line.pop_back();
        if (!line.empty() && self->handlers_.on_text)
          self->handlers_.on_text(std::move(line));
        if (!self->closed_)
          self->read_next();
      });
    return;
  }
  with_ws([&](auto& ws) {
    ws.async_read(read_buf_, [self](error_code ec, std::size_t) {
      if (ec) {
        websocket::close_reason reason;
        self->with_ws([&](auto& w) { reason = w.reason(); });
        std::string why
          = ec == websocket::error::closed
              ? "closed by server (" + std::to_string(int(reason.code))
                  + (reason.reason.empty()
                       ? ""
                       : " " + std::string(reason.reason.data(), reason.reason.size()))
                  + ")"
              : ec.message();
        return self->fail(why);
      }
      auto text = beast::buffers_to_string(self->read_buf_.data());
      self->read_buf_.consume(self->read_buf_.size());
      if (self->handlers_.on_text)
        self->handlers_.on_text(std::move(text));
      if (!self->closed_)
        self->read_next();
    });
  });
}

void link::send(std::string text) {
  if (closed_)
    return;
  if (queue_.size() >= queue_limit) {
    // Not from inside send(): the caller may be a handler of this link.
    net::post(ws_.get_executor(), [self = shared_from_this()] { self->fail("write queue full"); });
    return;
  }
  if (tcp_mode_)
    text += '\n';
  queue_.push_back(std::move(text));
  write_next();
}

void link::write_next() {
  if (!open_ || writing_ || queue_.empty() || closed_)
    return;
  writing_ = true;
  auto self = shared_from_this();
  auto done = [self](error_code ec, std::size_t) {
    self->writing_ = false;
    if (ec)
      return self->fail("write: " + ec.message());
    self->queue_.pop_front();
    self->write_next();
  };
  if (tcp_mode_)
    net::async_write(ws_.next_layer(), net::buffer(queue_.front()), done);
  else
    with_ws([&](auto& ws) { ws.async_write(net::buffer(queue_.front()), done); });
}

void link::fail(const std::string& why, bool refused) {
  if (closed_)
    return;
  closed_ = true;
  open_ = false;
  deadline_.cancel();
  error_code ignored;
  socket().close(ignored);
  if (handlers_.on_closed)
    handlers_.on_closed(why, refused);
}

void link::close(std::function<void()> done) {
  if (closed_ || !open_) {
    closed_ = true;
    error_code ignored;
    socket().close(ignored);
    return done();
  }
  closed_ = true;
  handlers_ = {};
  auto self = shared_from_this();
  auto finish = [self, done = std::move(done)](error_code) {
    error_code ignored;
    self->socket().close(ignored);
    done();
  };
  if (tcp_mode_ || writing_) { // a close frame may not overlap a write
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_send, ignored);
    return finish({});
  }
  with_ws([&](auto& ws) { ws.async_close(websocket::close_code::normal, finish); });
}

} // namespace chat::cli
