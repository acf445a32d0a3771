// The connection manager of chat-actors-cli: logs in over HTTP, keeps one
// link (WebSocket or raw TCP) up, reconnecting with exponential backoff
// (0.2 s doubling to 5 s, with jitter) and logging in again when the token is
// refused. It dedupes message/direct frames by id, batches acks (one ack
// frame per burst), and queues outgoing frames while disconnected.
//
//   start -> [login] -> link -> welcome -> replay ... replayed -> live
//              ^                                                  |
//              +------------- backoff <------- dropped -----------+
#pragma once

#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "cli/link.hpp"
#include "cli/options.hpp"

namespace chat::cli {

class client {
public:
  /// Time for ack batching: acks of frames shown within it go in one frame.
  static constexpr int ack_delay_ms = 20;
  static constexpr int backoff_first_ms = 200;
  static constexpr int backoff_max_ms = 5000;

  struct handlers {
    std::function<void(const nlohmann::json&)> on_welcome;
    std::function<void()> on_ready; // after "replayed": live traffic follows
    /// Every frame but duplicate message/direct frames.
    std::function<void(const nlohmann::json&)> on_frame;
    /// Unrecoverable (bad credentials): the caller should exit.
    std::function<void(const std::string&)> on_fatal;
  };

  client(boost::asio::io_context& ioc, options opts, handlers h);

  void start();

  /// Sends a frame now, or after the next welcome if disconnected.
  void send(nlohmann::json frame);

  /// Acks `id` with the next batch.
  void ack(const std::string& id);

  /// Sends the pending acks now and calls `done` once the server answers
  /// "acked" (at once if nothing is pending).
  void flush_acks(std::function<void()> done);

  /// Closes the connection and stops reconnecting; then `done`.
  void stop(std::function<void()> done);

  const std::string& channel() const { return channel_; }

private:
  void connect();
  void retry(const std::string& why);
  void on_text(const std::string& text);
  void send_acks();

  boost::asio::io_context& ioc_;
  options opts_;
  handlers handlers_;
  std::shared_ptr<link> link_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer ack_timer_;
  std::mt19937 rng_{std::random_device{}()};
  std::string token_;
  std::string channel_;
  int attempt_ = 0;
  bool welcomed_ = false; // the current link got its welcome
  bool stopping_ = false;
  bool ack_scheduled_ = false;
  unsigned next_ref_ = 0;
  std::unordered_set<std::string> seen_; // message/direct ids shown
  std::vector<std::string> pending_acks_;
  std::vector<nlohmann::json> outbox_; // frames waiting for a connection
  std::string flush_ref_;              // the ack whose "acked" flush_acks awaits
  std::function<void()> flush_done_;
};

} // namespace chat::cli
