// tcp_session, part one: its start and its reading. Bytes from the socket
// are cut into lines (line framing, with a cap of max_frame_bytes per
// line); the first line goes to the login (tcp_session_login.cpp), later
// ones to the connection actor as frames, or through line mode first
// (tcp_line_mode.cpp). The actors' frames leave through
// tcp_session_write.cpp.
#include "transport/tcp_session.hpp"

#include "protocol/frames.hpp"
#include "transport/tcp_login.hpp"

namespace chat {

tcp_session::tcp_session(byte_stream&& stream, std::shared_ptr<server_context> ctx,
                         connection_limits::slot address_slot)
  : chat_session(transport::tcp, stream.get_executor(), std::move(ctx), std::move(address_slot)),
    stream_(std::move(stream)),
    timer_(stream_.get_executor()),
    chunk_(read_chunk) {
}

void tcp_session::run() {
  // run() is called on the listener's thread: start on the socket's own.
  net::dispatch(stream_.get_executor(), [self = shared_as<tcp_session>()] {
    if (!self->stream_.tls())
      return self->start();
    // TLS first, within handshake_timeout_s (a stalled or garbage handshake
    // is dropped: nothing can be said to a peer without TLS).
    self->timer_.expires_after(self->ctx_->cfg.handshake_timeout);
    self->timer_.async_wait([self](beast::error_code ec) {
      if (!ec)
        self->finish();
    });
    self->stream_.tls_stream()->async_handshake(
      net::ssl::stream_base::server, beast::bind_front_handler(&tcp_session::on_handshake, self));
  });
}

void tcp_session::on_handshake(beast::error_code ec) {
  timer_.cancel();
  if (ec) {
    fail(ec, "tls handshake");
    return finish();
  }
  start();
}

void tcp_session::start() {
  if (finished_)
    return;
  if (over_address_limit())
    return refuse("too many connections from this address", chat_errc::busy);
  timer_.expires_after(ctx_->cfg.handshake_timeout);
  timer_.async_wait([self = shared_as<tcp_session>()](beast::error_code ec) {
    if (!ec && self->phase_ != phase::open)
      self->refuse("login timed out");
  });
  do_read();
}

// -- reading ------------------------------------------------------------------

void tcp_session::do_read() {
  if (reading_ || peer_done_ || finished_)
    return;
  reading_ = true;
  stream_.async_read_some(net::buffer(chunk_), beast::bind_front_handler(&tcp_session::on_read,
                                                                         shared_as<tcp_session>()));
}

void tcp_session::on_read(beast::error_code ec, std::size_t bytes) {
  reading_ = false;
  if (finished_)
    return;
  if (ec) {
    fail(ec, "tcp read");
    peer_done_ = true;
    if (shut_down_)
      return finish();
    if (closing_)
      return; // do_shutdown finishes once the queue is written
    if (phase_ != phase::open)
      return start_close();
    // A half-close: the client sent all it will send. Its requests still
    // get their answers (some wait on a room or storage): the actor stays
    // until the linger timeout, then the socket is flushed and closed.
    timer_.expires_after(linger_timeout);
    timer_.async_wait([self = shared_as<tcp_session>()](beast::error_code ec) {
      if (!ec)
        self->start_close();
    });
    return;
  }
  if (closing_)
    return do_read(); // drain until the peer closes its side
  in_.append(chunk_.data(), bytes);
  take_lines();
  if (phase_ != phase::authorizing)
    do_read(); // while authorizing, lines wait in in_ (read resumes after)
}

void tcp_session::take_lines() {
  auto max = ctx_->actor_cfg->max_frame_bytes;
  std::size_t pos = 0;
  while (!closing_ && phase_ != phase::authorizing) {
    auto nl = in_.find('\n', pos);
    if (nl == std::string::npos)
      break;
    std::string line = in_.substr(pos, nl - pos);
    pos = nl + 1;
    if (discarding_) { // the tail of an over-long line
      discarding_ = false;
      continue;
    }
    if (line.size() > max) {
      reply_error(chat_errc::too_large, "line exceeds max_frame_bytes");
      continue;
    }
    on_line(std::move(line));
  }
  in_.erase(0, pos);
  if (!closing_ && phase_ != phase::authorizing && in_.size() > max) {
    // No newline within max_frame_bytes: answer once, drop up to the newline.
    in_.clear();
    if (!discarding_)
      reply_error(chat_errc::too_large, "line exceeds max_frame_bytes");
    discarding_ = true;
  }
}

void tcp_session::on_line(std::string line) {
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  if (line.empty())
    return; // blank lines are keep-alives at most
  if (phase_ == phase::greeting)
    return on_greeting(line);
  if (line_mode_)
    return on_text_line(line);
  to_connection(std::move(line));
}

void tcp_session::reply_error(chat_errc code, const std::string& message) {
  if (phase_ != phase::open)
    return refuse(greeting_help);
  auto frame = std::make_shared<const std::string>(error_frame(code, message, ""));
  enqueue(&frame, 1, true);
}

} // namespace chat
