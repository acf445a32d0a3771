// A write-coalescing layer between Beast's websocket::stream and its TCP
// stream. Beast writes one message per async_write; a burst of N queued
// frames would cost N Beast write operations, N send() calls and, on
// loopback, N TCP segments and N wakeups of the reader.
//
// Everything written goes into one pending buffer that leaves in one
// async_write per round, in order: a burst goes out in a few large writes.
// Two ways in:
// - append(): the session's data frames, encoded by the session itself
//   (server frames are unmasked: a 2-10 byte header and the payload), many
//   per call, with no Beast operation per frame;
// - async_write_some(): whatever Beast writes itself (the upgrade response,
//   pongs, pings, the close frame). It is copied whole and completes at once
//   (posted) while the buffer is below `high_water`. Beast never writes a
//   data message here, so its control frames fall between whole frames.
//
// Backpressure: above high_water Beast's write completes, and the session's
// when_room() callback runs, only once the socket drained, so the session's
// bounded queue still fills up behind a slow reader. Reads pass straight
// through. Teardown (the end of a close handshake) waits for the buffer.
//
// Threading: used on the socket's I/O thread only, like the stream it wraps.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "transport/net.hpp"
#include "transport/write_now.hpp"

namespace chat {

template <class NextLayer>
class coalescing_stream {
public:
  using executor_type = typename NextLayer::executor_type;
  using next_layer_type = NextLayer;

  /// Bytes buffered before a write waits for the socket.
  static constexpr std::size_t high_water = 64 * 1024;
  /// The longest header append_text_frame() writes.
  static constexpr std::size_t max_frame_header = 10;
  /// What reserve_for() adds beyond high_water for the frame that crosses it.
  static constexpr std::size_t reserve_slack = 16 * 1024;

  template <class... Args>
  explicit coalescing_stream(Args&&... args) : next_(std::forward<Args>(args)...) {}

  // A completed write still queued must not touch the socket once this
  // stream (and the socket in it) is gone.
  ~coalescing_stream() {
    if (out_)
      out_->error = net::error::operation_aborted;
  }

  coalescing_stream(const coalescing_stream&) = delete;
  coalescing_stream& operator=(const coalescing_stream&) = delete;

  executor_type get_executor() noexcept { return next_.get_executor(); }
  next_layer_type& next_layer() noexcept { return next_; }
  const next_layer_type& next_layer() const noexcept { return next_; }

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return next_.async_read_some(buffers, std::forward<ReadToken>(token));
  }

  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return net::async_initiate<WriteToken, void(beast::error_code, std::size_t)>(
      [this](auto handler, const ConstBufferSequence& bufs) {
        auto ex = get_executor();
        auto& o = out();
        if (o.error) {
          net::post(ex, beast::bind_front_handler(std::move(handler), o.error, std::size_t{0}));
          return;
        }
        auto n = net::buffer_size(bufs);
        auto& pending = o.pending;
        auto old = pending.size();
        pending.resize(old + n);
        net::buffer_copy(net::buffer(pending.data() + old, n), bufs);
        auto done = [ex, h = std::make_shared<decltype(handler)>(std::move(handler)),
                     n](beast::error_code ec) mutable {
          net::post(ex, beast::bind_front_handler(std::move(*h), ec, ec ? 0 : n));
        };
        if (pending.size() + o.sending.size() <= high_water)
          done({});
        else
          o.waiting = std::move(done); // Beast writes one at a time: one waiter
        flush();
      },
      token, buffers);
  }

  /// Whether more may be appended now.
  bool has_room() const { return !out_ || out_->pending.size() <= high_water; }

  /// Makes room for `bytes` more of frames (at most what fits before
  /// high_water, plus one frame's worth) in one allocation, instead of the
  /// buffer doubling (and copying) its way up through a burst.
  void reserve_for(std::size_t bytes) {
    auto& pending = out().pending;
    auto want = pending.size() + std::min(bytes, high_water + reserve_slack);
    if (want > pending.capacity())
      pending.reserve(want);
  }

  /// The first write error, if any (then nothing more goes out).
  beast::error_code error() const { return out_ ? out_->error : beast::error_code{}; }

  /// Appends one text frame holding `payload` (FIN set, unmasked) and starts
  /// a write if none is in flight.
  void append_text_frame(const std::string& payload) {
    unsigned char head[max_frame_header];
    std::size_t len = 0;
    auto n = payload.size();
    head[len++] = 0x81; // FIN + text
    if (n < 126) {
      head[len++] = static_cast<unsigned char>(n);
    } else if (n <= 0xffff) {
      head[len++] = 126;
      head[len++] = static_cast<unsigned char>(n >> 8);
      head[len++] = static_cast<unsigned char>(n);
    } else {
      head[len++] = 127;
      for (int shift = 56; shift >= 0; shift -= 8)
        head[len++] = static_cast<unsigned char>(static_cast<std::uint64_t>(n) >> shift);
    }
    auto& pending = out().pending;
    pending.append(reinterpret_cast<const char*>(head), len);
    pending.append(payload);
  }

  /// Writes what is pending, unless a write is in flight (its completion
  /// writes the rest). A plain socket is tried right away, without
  /// blocking: on loopback that usually takes everything, and then no
  /// asynchronous operation (no completion handler) is needed at all; what
  /// it does not take goes out asynchronously. Under TLS everything goes
  /// through the TLS stream's asynchronous write (it encrypts).
  void flush() {
    if (!out_)
      return; // nothing was ever appended since the last flush emptied it
    auto& out = *out_;
    if (out.writing || out.error || out.pending.empty())
      return;
    auto* direct = direct_socket(beast::get_lowest_layer(next_));
    if (direct == nullptr)
      return write_out(next_, out_);
    beast::error_code ec;
    auto n = write_now(*direct, net::buffer(out.pending), ec);
    if (ec) {
      out.error = ec;
      return;
    }
    out.pending.erase(0, n);
    if (out.waiting && out.pending.size() <= high_water)
      std::exchange(out.waiting, nullptr)({}); // Beast's write (posted): it has room now
    if (!out.pending.empty())
      return write_out(next_, out_);
    // Everything went out and nothing is in flight (so nobody else holds
    // the state): an idle socket keeps no buffer, not even the small one
    // its last frames took (bench/profile.md, memory per idle connection).
    if (!out.room && !out.drained)
      out_.reset();
  }

  /// Runs `then` (posted, never inline) once there is room again, or the
  /// socket failed.
  void when_room(std::function<void()> then) {
    if (!out_ || !out_->writing || out_->error)
      net::post(get_executor(), std::move(then)); // nothing in flight to wait for
    else
      out_->room = std::move(then);
  }

  /// Runs `then` once everything buffered has been written (or failed).
  // `then` is moved below; clang-tidy 14 misses a move into a member of a
  // class template.
  // NOLINTNEXTLINE(performance-unnecessary-value-param)
  void when_drained(std::function<void(beast::error_code)> then) {
    if (!out_ || !out_->writing)
      return then(error());
    out_->drained = std::move(then);
  }

private:
  // The socket at the bottom, if bytes may be written to it as they are: a
  // plain one, a tcp_stream's, or a byte_stream's when it is not TLS.
  static tcp::socket* direct_socket(tcp::socket& s) { return &s; }
  static tcp::socket* direct_socket(beast::tcp_stream& s) { return &s.socket(); }
  template <class Stream>
  static auto direct_socket(Stream& s) -> decltype(s.plain_socket()) {
    return s.plain_socket();
  }

  struct output {
    std::string pending; // accepted, not yet handed to the socket
    std::string sending; // in the current async_write
    bool writing = false;
    beast::error_code error;                        // the first write error; later writes get it
    std::function<void(beast::error_code)> waiting; // Beast's write over high_water
    std::function<void()> room;                     // the session's, likewise
    std::function<void(beast::error_code)> drained; // teardown
  };

  // `out` is shared with the write in flight: the session (and this
  // stream) may be gone before that write completes.
  static void write_out(NextLayer& next, const std::shared_ptr<output>& out) {
    out->writing = true;
    out->sending.swap(out->pending);
    net::async_write(
      next, net::buffer(out->sending), [&next, out](beast::error_code ec, std::size_t) {
        out->writing = false;
        // A burst's buffer is not kept by an idle socket.
        if (out->sending.capacity() > 16 * 1024)
          std::string().swap(out->sending);
        else
          out->sending.clear();
        if (ec && !out->error)
          out->error = ec;
        if (!out->error && !out->pending.empty())
          write_out(next, out);
        bool room = out->error || out->pending.size() + out->sending.size() <= high_water;
        if (room && out->waiting)
          std::exchange(out->waiting, nullptr)(out->error);
        if (room && out->room)
          std::exchange(out->room, nullptr)();
        if (!out->writing && out->drained)
          std::exchange(out->drained, nullptr)(out->error);
      });
  }

  // The state, made by the first write after the socket went idle.
  output& out() {
    if (!out_)
      out_ = std::make_shared<output>();
    return *out_;
  }

  NextLayer next_;
  std::shared_ptr<output> out_; // null while nothing is buffered or in flight
};

// Beast's websocket close ends with a teardown of the next layer, found
// by argument-dependent lookup: drain the buffer, then tear down below.
template <class NextLayer>
void teardown(beast::role_type role, coalescing_stream<NextLayer>& stream, beast::error_code& ec) {
  using beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

template <class NextLayer, class TeardownHandler>
void async_teardown(beast::role_type role, coalescing_stream<NextLayer>& stream,
                    TeardownHandler&& handler) {
  auto h = std::make_shared<std::decay_t<TeardownHandler>>(std::forward<TeardownHandler>(handler));
  stream.when_drained([role, &stream, h](beast::error_code) {
    using beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer(), std::move(*h));
  });
}

} // namespace chat
