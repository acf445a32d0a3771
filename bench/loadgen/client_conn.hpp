// One client connection of the load generator, as the fleet sees it, and the
// events it reports. Two kinds implement it: ws_conn (our own framing, built
// so the generator is never the bottleneck) and beast_conn (Beast's
// websocket::stream read loop, as an ordinary C++ client would write it: a
// client kind we did not tune for the server). Everything runs on the load
// generator's single io_context thread, so there is no locking anywhere.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace bench {

namespace net = boost::asio;

/// What a connection tells its owner. Called on the io_context thread.
class conn_events {
public:
  /// The upgrade succeeded.
  virtual void on_open(std::uint32_t tag) = 0;
  /// One complete text message; `now_ns` is when its read completed.
  virtual void on_text(std::uint32_t tag, std::string_view text, std::int64_t now_ns) = 0;
  /// The end of one read: every message it held was passed to on_text.
  virtual void on_burst_end(std::uint32_t tag) = 0;
  /// The connection is over (never called after close()).
  virtual void on_closed(std::uint32_t tag, const std::string& why) = 0;

protected:
  ~conn_events() = default;
};

class client_conn {
public:
  virtual ~client_conn() = default;

  /// Connects to `server` from `source` (unspecified: the kernel's choice)
  /// and upgrades with GET `target` (e.g. "/ws?token=..." or "/").
  virtual void start(const net::ip::tcp::endpoint& server, const net::ip::address& source,
                     const std::string& target)
    = 0;
  /// Queues one text frame.
  virtual void send_text(std::string_view payload) = 0;
  /// Closes the socket at once; no callback follows.
  virtual void close() = 0;
  virtual bool is_open() const = 0;
};

enum class client_kind : std::uint8_t { own, beast };

/// A client that reads slowly in small pieces, without stalling: at most
/// `piece` bytes per read, `gap` between reads, a receive buffer of
/// `rcvbuf` bytes (so the server sees a small window, as with a phone).
struct slow_reading {
  std::size_t piece = 1536;
  std::chrono::microseconds gap{1000};
  int rcvbuf = 16384;
};

/// `slow`: this connection reads as it says (own kind only).
std::unique_ptr<client_conn> make_conn(client_kind kind, net::io_context& ioc, conn_events& events,
                                       std::uint32_t tag, const slow_reading* slow = nullptr);

/// Binds `socket` (open) to `source` with the port left to connect time:
/// binding a port first would reserve it per source address and run out
/// sooner. An empty string on success.
std::string bind_source(net::ip::tcp::socket& socket, const net::ip::address& source);

} // namespace bench
