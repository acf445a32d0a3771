#include "transport/listener.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "transport/http_session.hpp"
#include "transport/io_pool.hpp"
#include "transport/net.hpp"
#include "transport/tcp_session.hpp"
#include "transport/tls_store.hpp"

namespace chat {

void fail(const beast::error_code& ec, const char* what) {
  if (ec == net::error::operation_aborted || ec == websocket::error::closed || ec == net::error::eof
      || ec == beast::error::timeout || ec == net::error::connection_reset
      || ec == http::error::end_of_stream)
    return;
  log(log_level::debug, std::string(what) + ": " + ec.message());
}

class listener_impl : public std::enable_shared_from_this<listener_impl> {
public:
  listener_impl(io_pool& pool, std::shared_ptr<server_context> ctx, listener::kind k)
    : pool_(pool),
      acceptor_(pool.first()),
      ctx_(std::move(ctx)),
      kind_(k) {}

  std::string open(const std::string& address, std::uint16_t port) {
    beast::error_code ec;
    auto addr = net::ip::make_address(address, ec);
    if (ec)
      return "bad bind address '" + address + "': " + ec.message();
    tcp::endpoint ep{addr, port};
    // Every setup call is checked: a server that cannot bind must say so.
    if (acceptor_.open(ep.protocol(), ec); ec)
      return "open: " + ec.message();
    if (acceptor_.set_option(net::socket_base::reuse_address(true), ec); ec)
      return "set_option: " + ec.message();
    if (acceptor_.bind(ep, ec); ec)
      return "bind " + address + ":" + std::to_string(port) + ": " + ec.message();
    if (acceptor_.listen(net::socket_base::max_listen_connections, ec); ec)
      return "listen: " + ec.message();
    return {};
  }

  std::uint16_t port() const {
    beast::error_code ec;
    return acceptor_.local_endpoint(ec).port();
  }

  // Each I/O thread runs its own io_context, and a socket stays on the one
  // it was accepted onto: its handlers never run concurrently, so it needs
  // no strand.
  void accept() {
    acceptor_.async_accept(
      pool_.next(), beast::bind_front_handler(&listener_impl::on_accept, shared_from_this()));
  }

  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

private:
  // TLS when the server has a certificate and this port uses it ([tls] tcp
  // for the raw TCP port), with the certificate current now (a reload
  // applies to later sockets).
  byte_stream stream_for(tcp::socket&& socket, bool port_uses_tls) {
    if (ctx_->tls && port_uses_tls)
      return byte_stream(std::move(socket), ctx_->tls->current());
    return byte_stream(std::move(socket));
  }

  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
      return; // stopped
    if (ec) {
      // Out of file descriptors and the like: keep accepting.
      fail(ec, "accept");
    } else {
      socket.set_option(tcp::no_delay(true), ec); // Nagle adds ~20 ms here
      // Over max_connections_per_ip the session still answers (503 / an
      // error line) so the client learns why, then closes.
      auto peer = socket.remote_endpoint(ec);
      auto slot
        = ec ? connection_limits::slot{} : ctx_->limits->take_address(peer.address().to_string());
      if (!slot) {
        metrics::get().refused_connections.add();
        log_warn("refusing a socket from " + (ec ? std::string("?") : peer.address().to_string())
                 + ": max_connections_per_ip (" + std::to_string(ctx_->cfg.max_connections_per_ip)
                 + ") reached");
      }
      if (kind_ == listener::kind::tcp)
        std::make_shared<tcp_session>(stream_for(std::move(socket), ctx_->tls_tcp), ctx_,
                                      std::move(slot))
          ->run();
      else
        std::make_shared<http_session>(stream_for(std::move(socket), true), ctx_, std::move(slot))
          ->run();
    }
    accept();
  }

  io_pool& pool_;
  tcp::acceptor acceptor_;
  std::shared_ptr<server_context> ctx_;
  listener::kind kind_;
};

listener::listener(io_pool& pool, std::shared_ptr<server_context> ctx, kind k)
  : impl_(std::make_shared<listener_impl>(pool, std::move(ctx), k)) {
}

listener::~listener() = default;

std::string listener::open(const std::string& address, std::uint16_t port) {
  return impl_->open(address, port);
}

std::uint16_t listener::port() const {
  return impl_->port();
}

void listener::run() {
  impl_->accept();
}

void listener::stop() {
  impl_->stop();
}

} // namespace chat
