// One client WebSocket connection, once open: framed reads and
// coalesced writes; see ws_conn.hpp.
#include "bench/loadgen/ws_conn.hpp"

#include <algorithm>
#include <cstring>

#include <boost/asio/write.hpp>

#include "bench/loadgen/clock.hpp"
#include "bench/loadgen/ws_frame.hpp"

namespace bench {

using boost::system::error_code;

namespace {

constexpr std::size_t initial_read_bytes = 8 * 1024;
constexpr std::size_t max_read_chunk = 256 * 1024;

} // namespace

std::uint32_t ws_conn::next_random() {
  // xorshift32: masking keys need no cryptographic strength here.
  auto& s = mask_state_;
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return s;
}

ws_conn::ws_conn(net::io_context& ioc, conn_events& events, std::uint32_t tag,
                 const slow_reading* slow)
  : socket_(ioc),
    events_(events),
    tag_(tag),
    mask_state_(0x9E3779B9u ^ (tag * 2654435761u) ^ static_cast<std::uint32_t>(steady_ns())),
    slow_(slow) {
  if (mask_state_ == 0)
    mask_state_ = 1;
  if (slow_)
    pause_ = std::make_unique<net::steady_timer>(ioc);
}

void ws_conn::reserve_read_space() {
  if (!in_) {
    in_.reset(new char[initial_read_bytes]); // uninitialized: idle sockets touch little
    in_cap_ = initial_read_bytes;
  }
  if (in_cap_ - in_size_ >= 1024)
    return;
  auto bigger = std::make_unique<char[]>(in_cap_ * 2);
  std::memcpy(bigger.get(), in_.get(), in_size_);
  in_ = std::move(bigger);
  in_cap_ *= 2;
}

void ws_conn::do_read() {
  reserve_read_space();
  auto room = in_cap_ - in_size_;
  if (slow_)
    room = std::min(room, slow_->piece);
  socket_.async_read_some(net::buffer(in_.get() + in_size_, room),
                          [this](const error_code& ec, std::size_t n) { on_read(ec, n); });
}

void ws_conn::on_read(const error_code& ec, std::size_t n) {
  if (phase_ != phase::open && phase_ != phase::closing)
    return;
  if (ec)
    return fail(ec == net::error::eof ? "closed by server" : "read: " + ec.message());
  // A read that filled the buffer means more is waiting: read bigger chunks.
  const bool filled = in_size_ + n == in_cap_;
  in_size_ += n;
  if (!parse_frames(steady_ns()))
    return;
  if (filled && in_cap_ < max_read_chunk) {
    auto bigger = std::make_unique<char[]>(in_cap_ * 2);
    std::memcpy(bigger.get(), in_.get(), in_size_);
    in_ = std::move(bigger);
    in_cap_ *= 2;
  }
  if (!slow_)
    return do_read();
  pause_->expires_after(slow_->gap);
  pause_->async_wait([this](const error_code& ec) {
    if (!ec && (phase_ == phase::open || phase_ == phase::closing))
      do_read();
  });
}

bool ws_conn::parse_frames(std::int64_t now) {
  std::size_t pos = 0;
  bool delivered = false;
  while (true) {
    auto h = ws::parse_header(in_.get() + pos, in_size_ - pos);
    if (h.status == ws::frame_header::bad) {
      fail("bad frame from server");
      return false;
    }
    if (h.status == ws::frame_header::need_more) {
      // A frame larger than the buffer: make room for all of it.
      auto whole = h.header_bytes + h.payload_bytes;
      if (h.header_bytes > 0 && whole > in_cap_) {
        auto bigger = std::make_unique<char[]>(whole + 1024);
        std::memcpy(bigger.get(), in_.get() + pos, in_size_ - pos);
        in_ = std::move(bigger);
        in_cap_ = whole + 1024;
        in_size_ -= pos;
        pos = 0;
      }
      break;
    }
    std::string_view payload(in_.get() + pos + h.header_bytes, h.payload_bytes);
    pos += h.header_bytes + h.payload_bytes;
    switch (h.op) {
      case ws::opcode::text:
      case ws::opcode::binary:
        if (h.fin) {
          events_.on_text(tag_, payload, now);
          delivered = true;
        } else {
          fragments_.assign(payload);
          fragmented_ = true;
        }
        break;
      case ws::opcode::continuation:
        if (!fragmented_) {
          fail("continuation without a first frame");
          return false;
        }
        fragments_.append(payload);
        if (h.fin) {
          fragmented_ = false;
          events_.on_text(tag_, fragments_, now);
          delivered = true;
        }
        break;
      case ws::opcode::ping: queue_frame(static_cast<int>(ws::opcode::pong), payload); break;
      case ws::opcode::pong: break;
      case ws::opcode::close: {
        // Echo the close (RFC 6455 5.5.1); the socket closes once it is written.
        std::string why = "close frame";
        if (payload.size() >= 2)
          why += " "
                 + std::to_string((static_cast<std::uint8_t>(payload[0]) << 8)
                                  | static_cast<std::uint8_t>(payload[1]))
                 + " " + std::string(payload.substr(2));
        queue_frame(static_cast<int>(ws::opcode::close), payload.substr(0, 2));
        phase_ = phase::closing;
        fail(why);
        return false;
      }
      default: fail("unknown opcode"); return false;
    }
    if (phase_ != phase::open)
      return false; // the owner closed us from a callback
  }
  if (pos > 0) {
    std::memmove(in_.get(), in_.get() + pos, in_size_ - pos);
    in_size_ -= pos;
  }
  if (delivered)
    events_.on_burst_end(tag_);
  return phase_ == phase::open;
}

void ws_conn::send_text(std::string_view payload) {
  if (phase_ != phase::open)
    return;
  queue_frame(static_cast<int>(ws::opcode::text), payload);
}

void ws_conn::queue_frame(int op, std::string_view payload) {
  ws::append_frame(out_fill_, static_cast<ws::opcode>(op), payload, next_random());
  if (out_fill_.size() > write_backlog_limit)
    return fail("write backlog over " + std::to_string(write_backlog_limit >> 20) + " MiB");
  if (!writing_)
    start_write();
}

void ws_conn::start_write() {
  out_fill_.swap(out_flight_);
  writing_ = true;
  net::async_write(socket_, net::buffer(out_flight_),
                   [this](const error_code& ec, std::size_t) { on_write(ec); });
}

void ws_conn::on_write(const error_code& ec) {
  writing_ = false;
  out_flight_.clear();           // keeps its capacity for the next swap
  if (phase_ == phase::closed) { // our echoed close frame (or a late write) is out
    error_code ignored;
    socket_.close(ignored);
    return;
  }
  if (ec)
    return fail("write: " + ec.message());
  if (!out_fill_.empty())
    start_write();
}

void ws_conn::fail(const std::string& why) {
  if (phase_ == phase::closed)
    return;
  const bool echo_close = phase_ == phase::closing && writing_;
  phase_ = phase::closed;
  if (pause_)
    pause_->cancel();
  if (!echo_close) { // else the close frame is in flight; the socket dies with us
    error_code ignored;
    socket_.close(ignored);
  }
  events_.on_closed(tag_, why);
}

void ws_conn::close() {
  phase_ = phase::closed;
  if (pause_)
    pause_->cancel();
  error_code ignored;
  socket_.close(ignored);
}

} // namespace bench
