// The load generator's clients as one group: accounts, connects (a bounded
// number in progress), the chat protocol's setup (welcome, replayed, join),
// sends, and the client's share of delivery work (ack every `message`, one
// ack frame per read burst). Modes drive it through run_until and hear about
// measured frames through fleet_observer. Single-threaded: everything runs on
// the one io_context, inside run_until.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/loadgen/client_conn.hpp"
#include "bench/loadgen/clock.hpp"
#include "bench/loadgen/frame_scan.hpp"
#include "bench/loadgen/options.hpp"

namespace bench {

/// The frames a mode measures.
class fleet_observer {
public:
  /// A broadcast message (chat `message`, or a raw text frame) arrived.
  virtual void on_message(std::uint32_t receiver, const body_fields& body, std::int64_t now_ns) = 0;
  /// Chat: the `sent` (ok) or `error` (not ok) reply to a send with `ref`.
  virtual void on_sent(std::uint32_t, std::int64_t /*ref*/, bool /*ok*/, std::int64_t) {}

protected:
  ~fleet_observer() = default;
};

class fleet final : public conn_events {
public:
  fleet(net::io_context& ioc, const options& opt, fleet_observer& observer);
  ~fleet();

  /// The run's random name prefix: accounts and rooms of one run never meet
  /// those of another on the same server.
  const std::string& prefix() const { return prefix_; }
  std::uint32_t size() const { return static_cast<std::uint32_t>(clients_.size()); }
  /// Whether client `i` is one of the --slow-readers (spread evenly).
  bool slow(std::uint32_t i) const {
    std::uint64_t k = opt_.slow_readers, n = clients_.size();
    return k > 0 && (i + 1) * k / n > i * k / n;
  }

  // Setup phases. Each runs the event loop until it is done or `deadline`
  // passes; false means it failed, with error() saying why.
  bool create_accounts(clock_type::time_point deadline); // chat only
  bool connect(clock_type::time_point deadline);         // chat: until `replayed`
  /// Chat: every client joins room_of(i); waits for every `joined` and for
  /// `expected_presence` presence frames (best effort for those).
  bool join(const std::function<std::string(std::uint32_t)>& room_of,
            std::uint64_t expected_presence, clock_type::time_point deadline);
  /// Runs until no frame has arrived for `quiet_s` seconds.
  void settle(double quiet_s, clock_type::time_point deadline);

  /// Sends one measured message from `client`: chat `send` to `room` (with
  /// `ref` unless negative), or the bare body for raw servers.
  void send(std::uint32_t client, std::string_view room, const body_fields& body,
            std::int64_t ref = -1);

  /// Runs the event loop until done() or `deadline`; false on the deadline.
  bool run_until(const std::function<bool()>& done, clock_type::time_point deadline);

  void close_all();

  std::size_t open_count() const;
  std::uint64_t closed_count() const { return closed_; }
  std::uint64_t error_frames() const { return errors_; }
  std::uint64_t frames_in() const { return frames_in_; }
  std::uint64_t ack_frames_sent() const { return ack_frames_; }
  std::uint64_t unparsed() const { return unparsed_; }
  const std::string& error() const { return error_; }

  // conn_events
  void on_open(std::uint32_t tag) override;
  void on_text(std::uint32_t tag, std::string_view text, std::int64_t now_ns) override;
  void on_burst_end(std::uint32_t tag) override;
  void on_closed(std::uint32_t tag, const std::string& why) override;

private:
  enum class stage : std::uint8_t { idle, connecting, upgraded, ready, joining, joined, closed };
  struct client {
    std::unique_ptr<client_conn> conn;
    stage st = stage::idle;
    std::string account_name;
    std::string token;
    std::string acks; // the ack frame being built for this burst
    std::uint32_t ack_ids = 0;
  };

  void launch_connects();
  void connect_done(client& c, bool ok);
  void on_chat_frame(std::uint32_t tag, client& c, std::string_view text, std::int64_t now);
  void queue_ack(std::uint32_t tag, client& c, std::string_view id);
  void flush_acks(client& c);
  void flush_due_acks();              // the ack timer: every client with ids waiting
  void note(const std::string& line); // the first few problems go to stderr

  net::io_context& ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_;
  const options& opt_;
  fleet_observer& observer_;
  std::string prefix_;
  net::ip::tcp::endpoint server_;               // the first: HTTP for the accounts
  std::vector<net::ip::tcp::endpoint> servers_; // every --url: client i on i mod size
  std::vector<client> clients_;
  std::string scratch_; // the send frame being built
  boost::asio::steady_timer ack_timer_;
  bool ack_timer_armed_ = false;
  std::vector<std::uint32_t> acks_waiting_; // clients whose ack frame is open

  std::uint32_t next_connect_ = 0;
  int connecting_ = 0;
  std::uint32_t ready_ = 0;
  std::uint32_t connect_failed_ = 0;
  std::uint32_t joined_ = 0;
  std::uint64_t presence_ = 0;
  std::uint64_t closed_ = 0;
  std::uint64_t errors_ = 0;
  std::uint64_t frames_in_ = 0;
  std::uint64_t ack_frames_ = 0;
  std::uint64_t unparsed_ = 0;
  std::int64_t last_frame_ns_ = 0;
  int notes_ = 0;
  std::string error_;
};

/// Progress lines on stderr, prefixed with the elapsed seconds.
void progress(const std::string& line);

/// A number for progress lines: "200", "0.25", not "200.000000".
std::string num(double v);

} // namespace bench
