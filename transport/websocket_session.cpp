#include "transport/websocket_session.hpp"

#include <algorithm>

#include "common/metrics.hpp"
#include "transport/io_pool.hpp"

namespace chat {

websocket_session::websocket_session(byte_stream&& stream, std::shared_ptr<server_context> ctx,
                                     connection_limits::slot address_slot)
  : chat_session(transport::websocket, stream.get_executor(), std::move(ctx),
                 std::move(address_slot)),
    ws_(std::move(stream)) {
}

// Beast builds its handshake response from `req` before async_accept returns,
// so the request need not outlive this call. The place rides in the handler:
// a failed handshake gives it back with the session.
void websocket_session::run(const http_request& req, token_grant grant,
                            connection_limits::slot place) {
  // Beast times the handshakes (opening and closing); idle sockets are the
  // I/O thread's idle watch's (idle_watch.hpp), which hears every frame,
  // control frames included.
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.handshake_timeout = ctx_->cfg.handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws_.set_option(timeouts);
  ws_.control_callback([this](websocket::frame_type, beast::string_view) { heard(); });
  // Frames up to max_frame_bytes are handled; up to 4x are read and answered
  // with too_large; beyond that Beast closes the socket with 1009.
  ws_.read_message_max(4 * ctx_->actor_cfg->max_frame_bytes);
  ws_.set_option(websocket::stream_base::decorator(
    [](websocket::response_type& res) { res.set(http::field::server, "chat-actors"); }));
  ws_.async_accept(req, [self = shared_as<websocket_session>(), grant = std::move(grant),
                         place = std::move(place)](beast::error_code ec) mutable {
    self->on_accept(ec, std::move(grant), std::move(place));
  });
}

void websocket_session::on_accept(beast::error_code ec, token_grant grant,
                                  connection_limits::slot place) {
  if (ec)
    return fail(ec, "websocket accept");
  open(std::move(grant), std::move(place));
  idle_ = &ctx_->pool->idle_watch_of(ws_.get_executor());
  idle_->add(*this, ctx_->cfg.idle_timeout);
  do_read();
}

void websocket_session::unwatch() {
  if (idle_ != nullptr)
    std::exchange(idle_, nullptr)->remove(*this);
}

// Beast's keep-alive: a ping the peer's WebSocket answers by itself.
void websocket_session::ping_idle() {
  if (!closing_)
    ws_.async_ping({}, [self = shared_as<websocket_session>()](beast::error_code) {});
}

// As Beast does at its idle timeout: the socket, without a close frame the
// silent peer would not answer. The pending read ends, and the session.
void websocket_session::close_idle() {
  beast_close_socket(beast::get_lowest_layer(ws_));
}

// Each message is read straight into the string handed to the connection
// actor (no copy), a piece at a time: first as much as the last message
// took (up to Beast's 1,536-byte reads; the string's inline 15 bytes before
// any), then the rest of the frame, whose size Beast knows once it has the
// header. A client that keeps sending messages of one size so has each read
// in one piece, and an idle socket holds a read buffer of its last
// message's size at most: none before its first. A dynamic buffer would
// hold the 1,536 bytes Beast prepares before every read (1.5 KiB per idle
// connection).
void websocket_session::do_read() {
  auto have = text_.size();
  auto first = std::clamp(last_size_, text_.capacity(), std::size_t{1536});
  asked_ = ws_.read_size_hint(have == 0 ? first : 1);
  text_.resize(have + asked_);
  ws_.async_read_some(
    net::buffer(text_.data() + have, asked_),
    beast::bind_front_handler(&websocket_session::on_read, shared_as<websocket_session>()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t bytes) {
  text_.resize(text_.size() - asked_ + bytes);
  if (ec) {
    fail(ec, "websocket read");
    unwatch(); // here, on the socket's thread: the last owner may be an actor's
    return detach();
  }
  heard();
  if (!ws_.is_message_done())
    return do_read(); // Beast enforces read_message_max across the pieces
  if (!ws_.got_text()) {
    text_.clear();
    start_close({websocket::close_code::unknown_data, // 1003
                 "binary frames are not supported"});
    return do_read(); // keep reading until the peer answers the close
  }
  last_size_ = text_.size();
  to_connection(std::move(text_));
  text_ = std::string(); // moved from: empty again, with no heap block
  do_read();
}

void websocket_session::take_close(std::uint16_t code, std::string reason) {
  start_close({static_cast<websocket::close_code>(code), reason});
}

void websocket_session::take_frames(frame_ptr* frames, std::size_t n, bool counted) {
  if (closing_ || n == 0)
    return;
  for (std::size_t i = 0; i < n; ++i)
    queue_.push_back({std::move(frames[i]), counted});
  if (counted)
    counted_ += n;
  // write_queue_max bounds the frames a socket could not take, not what one
  // hand-over brings (a drain may hold hundreds for a reader that keeps up):
  // over it, encode what the socket's buffer takes before judging.
  if (counted_ > ctx_->cfg.write_queue_max && !waiting_)
    do_write();
  if (closing_)
    return;
  if (counted_ > ctx_->cfg.write_queue_max) {
    // A slow consumer must not hold memory (or a room) hostage.
    warn_slow_consumer();
    queue_.clear(); // frames already encoded are copies: nothing is in flight here
    counted_ = 0;
    start_close({websocket::close_code::try_again_later, "write queue overflow"});
    return;
  }
  metrics::get().frames_out.add(n);
}

// After the outbox handed over everything it had for this socket (a close
// waits for the queue, see start_close).
void websocket_session::write_queued() {
  if (!waiting_ && !queue_.empty())
    do_write();
}

// Encodes queued frames straight into the coalescing layer's buffer (no
// Beast operation per frame) until it is full, then lets it write them out
// in one go; resumes when it has room again.
void websocket_session::do_write() {
  auto& out = ws_.next_layer();
  for (;;) {
    std::size_t bytes = 0; // what the queued frames take encoded, up to what fits
    for (auto it = queue_.begin(); it != queue_.end() && bytes <= out.high_water; ++it)
      bytes += it->frame->size() + out.max_frame_header;
    out.reserve_for(bytes);
    while (!queue_.empty() && out.has_room()) {
      auto& q = queue_.front();
      out.append_text_frame(*q.frame);
      if (q.counted && counted_ > 0)
        --counted_;
      queue_.pop_front();
    }
    out.flush();
    if (out.error()) {
      fail(out.error(), "websocket write");
      queue_.clear();
      counted_ = 0;
      return detach();
    }
    if (queue_.empty())
      break;
    if (!out.has_room()) {
      waiting_ = true;
      out.when_room([self = shared_as<websocket_session>()] {
        self->waiting_ = false;
        self->do_write();
      });
      return;
    }
  }
  if (close_reason_)
    do_close();
}

void websocket_session::start_close(websocket::close_reason reason) {
  if (closing_)
    return;
  closing_ = true;
  close_reason_ = std::make_unique<websocket::close_reason>(std::move(reason));
  if (queue_.empty()) // else do_write closes once the queued frames are encoded
    do_close();
}

void websocket_session::do_close() {
  if (close_sent_ || !ws_.is_open())
    return;
  close_sent_ = true;
  ws_.async_close(*close_reason_, [self = shared_as<websocket_session>()](beast::error_code ec) {
    if (ec)
      fail(ec, "websocket close");
    self->detach();
  });
}

} // namespace chat
