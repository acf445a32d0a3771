// The client kind an ordinary C++ user would write with Beast: a
// websocket::stream, one async_read per message into a flat_buffer (so
// Beast's default read size, about 1.5 KiB per socket read), one
// async_write at a time from a queue. Nothing here is tuned for the server:
// that is the point of this kind (issue 18: the server's cost per delivery
// must not depend on how its clients read).
#include <deque>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "bench/loadgen/clock.hpp"
#include "bench/loadgen/ws_conn.hpp"

namespace bench {

namespace {

namespace websocket = boost::beast::websocket;
using boost::system::error_code;

class beast_conn final : public client_conn {
public:
  beast_conn(net::io_context& ioc, conn_events& events, std::uint32_t tag)
    : ws_(ioc),
      events_(events),
      tag_(tag) {}

  void start(const net::ip::tcp::endpoint& server, const net::ip::address& source,
             const std::string& target) override {
    auto& socket = ws_.next_layer();
    error_code ec;
    socket.open(server.protocol(), ec);
    if (ec)
      return fail("open: " + ec.message());
    if (auto why = bind_source(socket, source); !why.empty())
      return fail(why);
    host_ = server.address().to_string() + ":" + std::to_string(server.port());
    target_ = target;
    phase_ = phase::connecting;
    socket.async_connect(server, [this](const error_code& ec) { on_connect(ec); });
  }

  void send_text(std::string_view payload) override {
    if (phase_ != phase::open)
      return;
    queue_.emplace_back(payload);
    if (queue_.size() == 1)
      write_front();
  }

  void close() override {
    phase_ = phase::closed;
    error_code ignored;
    ws_.next_layer().close(ignored);
  }

  bool is_open() const override { return phase_ == phase::open; }

private:
  enum class phase : std::uint8_t { idle, connecting, open, closed };

  void on_connect(const error_code& ec) {
    if (phase_ != phase::connecting)
      return;
    if (ec)
      return fail("connect: " + ec.message());
    error_code opt_ec;
    ws_.next_layer().set_option(net::ip::tcp::no_delay(true), opt_ec);
    ws_.async_handshake(host_, target_, [this](const error_code& ec) {
      if (phase_ != phase::connecting)
        return;
      if (ec)
        return fail("upgrade: " + ec.message());
      phase_ = phase::open;
      events_.on_open(tag_);
      if (phase_ == phase::open)
        read_next();
    });
  }

  void read_next() {
    ws_.async_read(buffer_, [this](const error_code& ec, std::size_t) {
      if (phase_ != phase::open)
        return;
      if (ec)
        return fail(ec == websocket::error::closed ? "closed by server" : "read: " + ec.message());
      const auto data = buffer_.cdata();
      events_.on_text(tag_, {static_cast<const char*>(data.data()), data.size()}, steady_ns());
      buffer_.consume(buffer_.size());
      if (phase_ != phase::open)
        return;
      events_.on_burst_end(tag_);
      if (phase_ == phase::open)
        read_next();
    });
  }

  void write_front() {
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()), [this](const error_code& ec, std::size_t) {
      if (phase_ != phase::open)
        return;
      if (ec)
        return fail("write: " + ec.message());
      queue_.pop_front();
      if (!queue_.empty())
        write_front();
    });
  }

  void fail(const std::string& why) {
    if (phase_ == phase::closed)
      return;
    phase_ = phase::closed;
    error_code ignored;
    ws_.next_layer().close(ignored);
    events_.on_closed(tag_, why);
  }

  websocket::stream<net::ip::tcp::socket> ws_;
  conn_events& events_;
  std::uint32_t tag_;
  phase phase_ = phase::idle;
  std::string host_;
  std::string target_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> queue_; // [0] is being written
};

} // namespace

std::unique_ptr<client_conn> make_conn(client_kind kind, net::io_context& ioc, conn_events& events,
                                       std::uint32_t tag, const slow_reading* slow) {
  if (kind == client_kind::beast)
    return std::make_unique<beast_conn>(ioc, events, tag); // options refuse a slow beast
  return std::make_unique<ws_conn>(ioc, events, tag, slow);
}

} // namespace bench
