#include "transport/tcp_session.hpp"

#include <iterator>

#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/frames.hpp"
#include "transport/tcp_login.hpp"

namespace chat {

tcp_session::tcp_session(tcp::socket&& socket, std::shared_ptr<server_context> ctx,
                         connection_limits::slot address_slot)
  : chat_session(transport::tcp, socket.get_executor(), std::move(ctx), std::move(address_slot)),
    socket_(std::move(socket)),
    timer_(socket_.get_executor()),
    chunk_(read_chunk) {
}

void tcp_session::run() {
  // run() is called on the listener's thread: start on the socket's own.
  net::dispatch(socket_.get_executor(), [self = shared_as<tcp_session>()] {
    if (self->over_address_limit())
      return self->refuse("too many connections from this address", chat_errc::busy);
    self->timer_.expires_after(self->ctx_->cfg.handshake_timeout);
    self->timer_.async_wait([self](beast::error_code ec) {
      if (!ec && self->phase_ != phase::open)
        self->refuse("login timed out");
    });
    self->do_read();
  });
}

// -- reading ------------------------------------------------------------------

void tcp_session::do_read() {
  if (reading_ || peer_done_ || finished_)
    return;
  reading_ = true;
  socket_.async_read_some(net::buffer(chunk_), beast::bind_front_handler(&tcp_session::on_read,
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
  auto max = ctx_->actor_cfg.max_frame_bytes;
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

// -- login --------------------------------------------------------------------

void tcp_session::reply_error(chat_errc code, const std::string& message) {
  if (phase_ != phase::open)
    return refuse(greeting_help);
  auto frame = std::make_shared<const std::string>(error_frame(code, message, ""));
  enqueue(&frame, 1, true);
}

void tcp_session::on_greeting(const std::string& line) {
  auto g = parse_greeting(line);
  if (!g)
    return refuse(greeting_help);
  if (g->login) {
    beast::error_code ec;
    auto peer = socket_.remote_endpoint(ec);
    auto address = ec ? std::string("?") : peer.address().to_string();
    if (auto wait = ctx_->logins->login(g->name, address, steady_ms()); wait > 0) {
      log_warn("TCP login as '" + g->name + "' from " + address + " refused: too many attempts");
      return refuse("too many login attempts, retry in " + std::to_string(wait) + " ms",
                    chat_errc::rate_limited);
    }
  }
  phase_ = phase::authorizing;
  line_mode_ = g->line_mode;
  room_ = g->room;
  auto self = shared_as<tcp_session>();
  authorize(
    *ctx_, std::move(*g),
    [self](token_grant grant) {
      net::post(self->socket_.get_executor(), [self, grant = std::move(grant)]() mutable {
        self->on_authorized(std::move(grant));
      });
    },
    [self](caf::error err) {
      net::post(self->socket_.get_executor(), [self, err = std::move(err)] {
        // Whatever failed (credentials, a timeout), this socket is not in.
        self->refuse(error_text(err));
      });
    });
}

void tcp_session::on_authorized(token_grant grant) {
  if (closing_ || finished_)
    return; // the login deadline passed meanwhile
  timer_.cancel();
  auto place = ctx_->limits->take_connection();
  if (!place || ctx_->shutting_down) {
    metrics::get().refused_connections.add();
    return refuse(place ? "shutting down" : "server full: max_connections reached",
                  chat_errc::busy);
  }
  phase_ = phase::open;
  open(std::move(grant), std::move(place));
  if (line_mode_) // as if the client had sent it after its login
    to_actor({{"action", "join"}, {"target", room_}});
  take_lines(); // pipelined after the login line
  do_read();
}

void tcp_session::refuse(const std::string& message, chat_errc code) {
  if (closing_)
    return;
  std::string ack;
  queue_.push_back(
    {to_line(std::make_shared<const std::string>(error_frame(code, message, "")), ack), false});
  if (in_flight_.empty())
    do_write();
  start_close();
}

// -- writing ------------------------------------------------------------------

void tcp_session::take_frames(frame_ptr* frames, std::size_t n, bool counted) {
  enqueue(frames, n, counted);
}

void tcp_session::take_close(std::uint16_t, std::string) {
  // TCP has no close frame: what is queued goes out, then a FIN.
  start_close();
}

void tcp_session::enqueue(frame_ptr* frames, std::size_t n, bool counted) {
  if (closing_ || n == 0)
    return;
  auto before = queue_.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::string ack;
    if (auto out = to_line(frames[i], ack)) // line mode shows only some frames
      queue_.push_back({std::move(out), counted, std::move(ack)});
  }
  auto added = queue_.size() - before;
  if (counted && counted_ + added > ctx_->cfg.write_queue_max) {
    // A slow consumer must not hold memory hostage. The frames being
    // written stay alive.
    warn_slow_consumer();
    queue_.clear();
    counted_ = 0;
    for (auto& q : in_flight_)
      counted_ += q.counted ? 1 : 0;
    return start_close();
  }
  metrics::get().frames_out.add(added);
  if (counted)
    counted_ += added;
  if (in_flight_.empty() && !queue_.empty())
    do_write();
}

void tcp_session::do_write() {
  // Everything waiting goes out in one gather write: one syscall for many
  // frames is what keeps loopback throughput up.
  static const char newline = '\n';
  in_flight_.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  std::vector<net::const_buffer> buffers;
  buffers.reserve(2 * in_flight_.size());
  for (auto& q : in_flight_) {
    buffers.push_back(net::buffer(*q.frame));
    buffers.push_back(net::buffer(&newline, 1));
  }
  net::async_write(socket_, buffers, // the operation keeps its own copy
                   beast::bind_front_handler(&tcp_session::on_write, shared_as<tcp_session>()));
}

void tcp_session::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    fail(ec, "tcp write");
    in_flight_.clear();
    queue_.clear();
    counted_ = 0;
    closing_ = true;
    return finish();
  }
  for (auto& q : in_flight_)
    if (q.counted && counted_ > 0)
      --counted_;
  ack_written();
  in_flight_.clear();
  if (!queue_.empty())
    return do_write();
  if (closing_)
    do_shutdown();
}

// -- closing ------------------------------------------------------------------

void tcp_session::start_close() {
  if (closing_ || finished_)
    return;
  closing_ = true;
  do_read();              // drain, and learn when the peer closes its side
  if (in_flight_.empty()) // else the last write shuts down
    do_shutdown();
}

void tcp_session::do_shutdown() {
  if (shut_down_ || finished_)
    return;
  shut_down_ = true;
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (peer_done_ || ec)
    return finish();
  // Closing with unread input could reset the connection and lose what we
  // wrote: wait (briefly) for the peer's FIN instead.
  timer_.expires_after(linger_timeout);
  timer_.async_wait([self = shared_as<tcp_session>()](beast::error_code ec) {
    if (!ec)
      self->finish();
  });
}

void tcp_session::finish() {
  if (finished_)
    return;
  finished_ = true;
  timer_.cancel();
  beast::error_code ec;
  socket_.close(ec);
  detach();
}

} // namespace chat
