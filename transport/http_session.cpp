#include "transport/http_session.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "transport/http_api.hpp"
#include "transport/http_util.hpp"
#include "transport/static_files.hpp"
#include "transport/websocket_session.hpp"

namespace chat {

http_session::http_session(byte_stream&& stream, std::shared_ptr<server_context> ctx,
                           connection_limits::slot address_slot)
  : stream_(std::move(stream)),
    timer_(stream_.get_executor()),
    ctx_(std::move(ctx)),
    address_slot_(std::move(address_slot)) {
  beast::error_code ec;
  auto peer = stream_.socket().remote_endpoint(ec);
  peer_ = ec ? "?" : peer.address().to_string();
}

void http_session::run() {
  // run() is called on the listener's thread: start on the socket's own,
  // where every handler of this session runs.
  net::dispatch(stream_.get_executor(),
                beast::bind_front_handler(&http_session::start, shared_from_this()));
}

void http_session::start() {
  if (!stream_.tls())
    return do_read();
  // A client that stalls in the handshake (or sends no ClientHello at all)
  // is dropped after handshake_timeout; its socket counted against the
  // caps from accept on.
  expire_after(ctx_->cfg.handshake_timeout);
  stream_.tls_stream()->async_handshake(
    net::ssl::stream_base::server,
    beast::bind_front_handler(&http_session::on_handshake, shared_from_this()));
}

void http_session::on_handshake(beast::error_code ec) {
  if (ec)
    return fail(ec, "tls handshake");
  do_read();
}

void http_session::expire_after(std::chrono::steady_clock::duration d) {
  timer_.expires_after(d);
  timer_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    auto self = weak.lock();
    if (ec || !self)
      return; // re-armed, cancelled, or the session is gone
    beast::error_code ignored;
    self->stream_.socket().close(ignored); // fails whatever is pending
  });
}

void http_session::expire_never() {
  timer_.cancel();
}

void http_session::close() {
  beast::error_code ec;
  if (!stream_.tls()) {
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    return;
  }
  // close_notify, and the peer's answer within http_timeout at most.
  expire_after(ctx_->cfg.http_timeout);
  stream_.tls_stream()->async_shutdown([self = shared_from_this()](beast::error_code) {
    self->expire_never();
    beast::error_code ignored;
    self->stream_.socket().close(ignored);
  });
}

void http_session::do_read() {
  parser_.emplace();
  parser_->body_limit(ctx_->cfg.max_body_bytes);
  parser_->header_limit(16 * 1024);
  // Header and body must arrive within http_timeout (a silent or trickling
  // client is dropped then).
  expire_after(ctx_->cfg.http_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream)
    return close();
  if (ec == http::error::body_limit) {
    http_request head;
    head.version(11);
    head.keep_alive(false);
    return write(
      error_response(head, http::status::payload_too_large, "request body exceeds max_body_bytes"));
  }
  if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
    // Malformed request (bad target, NUL bytes, bad header): say so, then close.
    http_request head;
    head.version(11);
    head.keep_alive(false);
    return write(error_response(head, http::status::bad_request, "malformed request"));
  }
  if (ec)
    return fail(ec, "http read");
  metrics::get().http_requests.add();
  handle(parser_->release());
}

void http_session::handle(http_request req) {
  expire_never(); // the answer may take an actor round trip
  if (!address_slot_) {
    req.keep_alive(false);
    return write(error_response(req, http::status::service_unavailable,
                                "too many connections from this address"));
  }
  if (websocket::is_upgrade(req)) {
    if (target_path(req.target()) != "/ws")
      return write(error_response(req, http::status::not_found, "no WebSocket here"));
    return upgrade(std::move(req));
  }
  if (handle_api(*ctx_, req, peer_, post_back()))
    return;
  write(serve_static(ctx_->cfg.web_root, req));
}

void http_session::upgrade(http_request req) {
  if (ctx_->shutting_down) {
    req.keep_alive(false);
    return write(error_response(req, http::status::service_unavailable, "shutting down"));
  }
  // The place among max_connections is taken now, before the token check:
  // a full server refuses at once, and two racing upgrades cannot both get
  // the last place.
  auto place = std::make_shared<connection_limits::slot>(ctx_->limits->take_connection());
  if (!*place) {
    metrics::get().refused_connections.add();
    log_warn("refused a WebSocket: max_connections (" + std::to_string(ctx_->cfg.max_connections)
             + ") reached");
    req.keep_alive(false);
    return write(error_response(req, http::status::service_unavailable,
                                "server full: max_connections reached, try again later"));
  }
  auto self = shared_from_this();
  auto shared_req = std::make_shared<http_request>(std::move(req));
  authorize_upgrade(
    *ctx_, *shared_req,
    [self, shared_req, place](const token_grant& grant) {
      net::post(self->stream_.get_executor(), [self, shared_req, grant, place] {
        self->expire_never();
        std::make_shared<websocket_session>(std::move(self->stream_), self->ctx_,
                                            std::move(self->address_slot_))
          ->run(*shared_req, grant, std::move(*place));
      });
    },
    post_back());
}

std::function<void(http::response<http::string_body>)> http_session::post_back() {
  return [self = shared_from_this()](http::response<http::string_body> res) {
    net::post(self->stream_.get_executor(),
              [self, res = std::move(res)]() mutable { self->write(std::move(res)); });
  };
}

void http_session::write(http::message_generator msg) {
  bool keep_alive = msg.keep_alive();
  expire_after(ctx_->cfg.http_timeout);
  beast::async_write(
    stream_, std::move(msg),
    beast::bind_front_handler(&http_session::on_write, shared_from_this(), keep_alive));
}

void http_session::on_write(bool keep_alive, beast::error_code ec, std::size_t) {
  if (ec)
    return fail(ec, "http write");
  if (!keep_alive)
    return close();
  do_read();
}

} // namespace chat
