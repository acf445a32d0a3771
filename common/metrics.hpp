// The server's metrics: one process-wide set of counters, gauges and
// histograms that actors and sessions bump, rendered for GET /metrics in the
// Prometheus text format (docs/operations.md lists them).
//
// Bumping must cost next to nothing on the fan-out path, where two actor
// threads and two I/O threads count at once: a counter is split into
// cache-line-sized shards, each thread adds to its own, and only a scrape
// sums them.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace chat::metrics {

class counter {
public:
  void add(std::uint64_t n = 1);
  std::uint64_t value() const;

private:
  struct alignas(64) shard {
    std::atomic<std::uint64_t> n{0};
  };
  std::array<shard, 8> shards_;
};

class gauge {
public:
  void add(std::int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  void set(std::int64_t n) { value_.store(n, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::int64_t> value_{0};
};

/// Counts observations into fixed buckets (upper bounds, ascending).
class histogram {
public:
  explicit histogram(std::vector<double> bounds);
  void observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  /// Observations <= bounds()[i] (cumulative, as Prometheus wants them);
  /// one more entry at the end: all of them (+Inf).
  std::vector<std::uint64_t> cumulative() const;
  double sum() const;

private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_; // per bucket, +Inf last
  std::atomic<std::uint64_t> sum_micro_{0};        // sum * 1e6, as an integer
};

/// Counts a live actor of one kind for as long as it exists (a member of
/// the actor's state).
class live_count {
public:
  explicit live_count(gauge& g) : g_(g) { g_.add(1); }
  ~live_count() { g_.add(-1); }
  live_count(const live_count&) = delete;
  live_count& operator=(const live_count&) = delete;

private:
  gauge& g_;
};

/// Error codes counted by rejected_frames: chat_errc's values (1..N).
inline constexpr std::size_t max_error_codes = 32;

struct registry {
  // connections, by transport
  gauge ws_live, tcp_live;
  counter ws_accepted, ws_closed, tcp_accepted, tcp_closed;
  counter refused_connections; // max_connections / per-address cap
  // frames
  counter frames_in;  // client frames handed to connection actors
  counter frames_out; // server frames queued for sockets
  counter rate_limited;
  std::array<counter, max_error_codes> rejected; // error frames, by chat_errc
  // delivery
  counter deliveries; // message copies sent to live connections
  counter acks;       // ids acked by clients
  counter replayed;   // messages sent again on reconnect
  gauge unacked;      // delivered, not yet acked (all users)
  // storage
  histogram storage_batch{{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}};
  histogram storage_commit_seconds{
    {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}};
  histogram storage_checkpoint_seconds{
    {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5}};
  counter storage_failures;
  // Cluster mode (storage/pg_bus.hpp, actors/room.cpp).
  counter bus_events;       // room events the bus handed on
  counter bus_reconnects;   // LISTEN connections made again after a loss
  counter bus_catch_ups;    // checks of every room's last seq (after a reconnect, and periodic)
  counter gaps_repaired;    // missing seqs a room read from storage
  gauge bus_queue_permille; // pg_notification_queue_usage() x 1000
  // actors, by kind
  gauge rooms, users, connections;
  // HTTP
  counter http_requests, http_rate_limited;
  // Cluster mode: this node's name, set once at start-up (before any
  // request can render it); empty on one node.
  std::string node_id;
};

/// The process's metrics.
registry& get();

/// Every metric in the Prometheus text exposition format (version 0.0.4);
/// `code_name(i)` names error code i (empty: unused).
std::string render(const char* (*code_name)(int));

} // namespace chat::metrics
