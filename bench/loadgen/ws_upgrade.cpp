// The opening of a client WebSocket connection: TCP connect from a chosen
// source address, TCP_NODELAY, and the HTTP upgrade (its response parsed by
// Beast); see ws_conn.hpp.
#include "bench/loadgen/ws_conn.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <functional>

#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "bench/loadgen/clock.hpp"

namespace bench {

namespace http = boost::beast::http;
using boost::system::error_code;

namespace {

// Sec-WebSocket-Key: base64 of 16 random bytes (RFC 6455 4.1).
std::string make_key(const std::function<std::uint32_t()>& random) {
  static constexpr char alphabet[]
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char raw[18] = {};
  for (int i = 0; i < 16; i += 4) {
    auto r = random();
    std::memcpy(raw + i, &r, 4);
  }
  std::string key;
  for (int i = 0; i < 18; i += 3) {
    std::uint32_t v = (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6)
      key += alphabet[(v >> shift) & 63];
  }
  key.resize(22);
  return key + "==";
}

} // namespace

std::string bind_source(net::ip::tcp::socket& socket, const net::ip::address& source) {
  if (source.is_unspecified())
    return {};
  // Choose the port at connect time, per (source, destination) pair.
  int one = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
  error_code ec;
  socket.bind(net::ip::tcp::endpoint(source, 0), ec);
  return ec ? "bind " + source.to_string() + ": " + ec.message() : std::string();
}

void ws_conn::start(const net::ip::tcp::endpoint& server, const net::ip::address& source,
                    const std::string& target) {
  error_code ec;
  socket_.open(server.protocol(), ec);
  if (ec)
    return fail("open: " + ec.message());
  if (auto why = bind_source(socket_, source); !why.empty())
    return fail(why);
  if (slow_) // before connect: the window scale is agreed in the handshake
    socket_.set_option(net::socket_base::receive_buffer_size(slow_->rcvbuf), ec);
  upgrade_request_ = "GET " + target + " HTTP/1.1\r\nHost: " + server.address().to_string() + ":"
                     + std::to_string(server.port())
                     + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                     + make_key([this] { return next_random(); })
                     + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
  phase_ = phase::connecting;
  socket_.async_connect(server, [this](const error_code& ec) { on_connect(ec); });
}

void ws_conn::on_connect(const error_code& ec) {
  if (phase_ != phase::connecting)
    return;
  if (ec)
    return fail("connect: " + ec.message());
  error_code opt_ec;
  // Small frames must not wait for delayed ACKs (Nagle): that alone adds
  // tens of milliseconds of latency.
  socket_.set_option(net::ip::tcp::no_delay(true), opt_ec);
  if (opt_ec)
    return fail("TCP_NODELAY: " + opt_ec.message());
  phase_ = phase::upgrading;
  net::async_write(socket_, net::buffer(upgrade_request_),
                   [this](const error_code& ec, std::size_t) {
                     if (phase_ != phase::upgrading)
                       return;
                     if (ec)
                       return fail("upgrade write: " + ec.message());
                     read_upgrade();
                   });
}

void ws_conn::read_upgrade() {
  reserve_read_space();
  socket_.async_read_some(net::buffer(in_.get() + in_size_, in_cap_ - in_size_),
                          [this](const error_code& ec, std::size_t n) { on_upgrade_read(ec, n); });
}

void ws_conn::on_upgrade_read(const error_code& ec, std::size_t n) {
  if (phase_ != phase::upgrading)
    return;
  if (ec)
    return fail("upgrade read: " + ec.message());
  in_size_ += n;
  // Parse from the start each time: the response is small and fresh parser
  // state keeps this simple. Bytes after the header are WebSocket frames.
  http::response_parser<http::empty_body> parser;
  parser.skip(true); // a 101 has no body
  error_code pec;
  auto used = parser.put(net::buffer(in_.get(), in_size_), pec);
  if (pec == http::error::need_more || (!pec && !parser.is_header_done())) {
    if (in_size_ > 16 * 1024)
      return fail("upgrade response header too large");
    return read_upgrade();
  }
  if (pec)
    return fail("upgrade response: " + pec.message());
  const auto& res = parser.get();
  if (res.result() != http::status::switching_protocols)
    return fail("upgrade refused: HTTP " + std::to_string(res.result_int()));
  std::memmove(in_.get(), in_.get() + used, in_size_ - used);
  in_size_ -= used;
  upgrade_request_ = std::string();
  phase_ = phase::open;
  events_.on_open(tag_);
  if (phase_ != phase::open)
    return;
  if (in_size_ > 0 && !parse_frames(steady_ns()))
    return;
  do_read();
}

} // namespace bench
