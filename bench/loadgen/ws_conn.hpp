// One client WebSocket connection of the load generator. It owns its socket,
// its read buffer and its write queue, and reports to a `conn_events` owner
// (the fleet). Everything runs on the load generator's single io_context
// thread, so there is no locking anywhere.
//
// Why hand framing (ws_frame.hpp) and not beast::websocket::stream: the
// generator must not be the bottleneck at hundreds of thousands of frames per
// second on one core. Here one read_some parses every frame that arrived
// (and the owner acks them in one frame per burst), and frames queued while
// a write is in flight leave together in the next write. The upgrade response
// is parsed with Beast's HTTP parser.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/steady_timer.hpp>

#include "bench/loadgen/client_conn.hpp"

namespace bench {

class ws_conn final : public client_conn {
public:
  /// Bytes waiting to be written beyond which the connection gives up: the
  /// server stopped reading, and the run is broken anyway.
  static constexpr std::size_t write_backlog_limit = 64u << 20;

  /// `slow`: reads as it says (else as fast as it can); must outlive this.
  ws_conn(net::io_context& ioc, conn_events& events, std::uint32_t tag,
          const slow_reading* slow = nullptr);
  ws_conn(const ws_conn&) = delete;
  ws_conn& operator=(const ws_conn&) = delete;

  void start(const net::ip::tcp::endpoint& server, const net::ip::address& source,
             const std::string& target) override;
  /// The frame leaves with whatever else is queued.
  void send_text(std::string_view payload) override;
  void close() override;
  bool is_open() const override { return phase_ == phase::open; }

private:
  enum class phase : std::uint8_t { idle, connecting, upgrading, open, closing, closed };

  void on_connect(const boost::system::error_code& ec);
  void read_upgrade();
  void on_upgrade_read(const boost::system::error_code& ec, std::size_t n);
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  bool parse_frames(std::int64_t now_ns); // false: the connection failed
  void reserve_read_space();
  void queue_frame(int op, std::string_view payload);
  void start_write();
  void on_write(const boost::system::error_code& ec);
  void fail(const std::string& why);
  std::uint32_t next_random(); // a fresh masking key per frame

  net::ip::tcp::socket socket_;
  conn_events& events_;
  std::uint32_t tag_;
  phase phase_ = phase::idle;
  std::uint32_t mask_state_; // next_random()'s state

  // Read side: [0, in_size_) holds bytes not yet parsed.
  std::unique_ptr<char[]> in_;
  std::size_t in_cap_ = 0;
  std::size_t in_size_ = 0;
  std::string fragments_; // a message split over continuation frames
  bool fragmented_ = false;
  const slow_reading* slow_;                 // a slow reader's pace (the run's options)
  std::unique_ptr<net::steady_timer> pause_; // a slow reader's gap between reads

  // Write side: two buffers swapped per write, so frames queued during a
  // write are coalesced and no buffer is reallocated once warm.
  std::string out_fill_;
  std::string out_flight_;
  bool writing_ = false;
  std::string upgrade_request_;
};

} // namespace bench
