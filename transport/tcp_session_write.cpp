// tcp_session, part three: writing and closing. The actors' frames arrive
// from the socket_outbox of the socket's I/O thread (take_frames,
// take_close), wait in the bounded write queue, and everything waiting
// leaves in one gather write, a newline after each frame. Closing writes
// what is queued, shuts down our side and waits briefly for the peer's,
// then closes the socket and tells the connection actor (detach).
#include "transport/tcp_session.hpp"

#include <iterator>
#include <vector>

#include "common/metrics.hpp"
#include "transport/write_now.hpp"

namespace chat {

void tcp_session::take_frames(frame_ptr* frames, std::size_t n, bool counted) {
  enqueue(frames, n, counted);
}

void tcp_session::take_close(std::uint16_t, std::string) {
  // TCP has no close frame: what is queued goes out, then a FIN.
  start_close();
}

void tcp_session::write_queued() {
  // Nothing to do: take_frames starts a write at once, and frames that come
  // while one is in flight wait in the queue and leave together after it.
}

void tcp_session::enqueue(frame_ptr* frames, std::size_t n, bool counted) {
  if (closing_ || n == 0)
    return;
  auto before = queue_.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::string ack;
    if (auto out = to_line(frames[i], ack)) { // line mode shows only some frames
      queued_bytes_ += out->size() + 1;
      queue_.push_back({std::move(out), counted, std::move(ack)});
    }
  }
  auto added = queue_.size() - before;
  if (counted)
    counted_ += added;
  // write_queue_max bounds what the socket could not take, not what one
  // hand-over brings (a drain may hold hundreds of lines for a reader that
  // keeps up): with nothing in flight they all leave now, and behind a
  // write in flight up to next_write_bytes wait without counting, as the
  // WebSocket side's coalescing buffer does.
  if (in_flight_.empty() && !queue_.empty())
    do_write();
  if (counted_ > ctx_->cfg.write_queue_max && queued_bytes_ > next_write_bytes) {
    // A slow consumer must not hold memory hostage. The frames being
    // written stay alive.
    warn_slow_consumer();
    queue_.clear();
    counted_ = 0;
    queued_bytes_ = 0;
    return start_close();
  }
  metrics::get().frames_out.add(added);
}

void tcp_session::do_write() {
  // Everything waiting goes out in one gather write: one syscall for many
  // frames is what keeps loopback throughput up.
  static const char newline = '\n';
  in_flight_.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  counted_ = 0; // nothing waits behind this write yet
  queued_bytes_ = 0;
  std::vector<net::const_buffer> buffers;
  buffers.reserve(2 * in_flight_.size());
  for (auto& q : in_flight_) {
    buffers.push_back(net::buffer(*q.frame));
    buffers.push_back(net::buffer(&newline, 1));
  }
  // A plain socket is offered the bytes at once, without blocking (as the
  // WebSocket side's coalescing layer does): a reader that keeps up takes
  // them all, no write stays in flight, and what the next hand-over brings
  // is not judged as waiting behind a slow reader. Only what the socket
  // did not take goes out asynchronously.
  std::size_t written = 0;
  if (auto* plain = stream_.plain_socket()) {
    beast::error_code ec;
    written = write_now(*plain, buffers, ec);
    if (ec || written == net::buffer_size(buffers))
      return on_write(ec, written);
  }
  beast::buffers_suffix<std::vector<net::const_buffer>> rest(buffers);
  rest.consume(written);
  net::async_write(stream_, rest, // the operation keeps its own copy
                   beast::bind_front_handler(&tcp_session::on_write, shared_as<tcp_session>()));
}

void tcp_session::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    fail(ec, "tcp write");
    in_flight_.clear();
    queue_.clear();
    counted_ = 0;
    queued_bytes_ = 0;
    closing_ = true;
    return finish();
  }
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
  // Under TLS this is a FIN without TLS's close_notify: a close_notify
  // would need a TLS operation beside the read that stays pending to see
  // the peer's end, which Asio's TLS stream does not allow. Everything
  // written has been sent; a client may report the EOF as unexpected.
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (peer_done_ || ec)
    return finish();
  // Closing the socket with unread input could send a reset and lose what
  // we wrote: wait (briefly) for the peer's FIN instead.
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
  stream_.socket().close(ec);
  detach();
}

} // namespace chat
