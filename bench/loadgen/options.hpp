// The load generator's command line: which mode, against which server, how
// big. Parsed once in main and read by every mode.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/loadgen/client_conn.hpp"

namespace bench {

enum class target_kind { chat, raw };

struct options {
  std::string mode; // fanout | latency | idle | durable
  target_kind target = target_kind::chat;
  // own: our framing (ws_conn); beast: Beast's websocket::stream read loop
  // (beast_conn), with an ordinary app's ack batching and one source address.
  client_kind client = client_kind::own;
  std::string host = "127.0.0.1"; // numeric IPv4 only: no resolver thread
  std::uint16_t port = 0;         // the first --url's
  // Every --url's port, in order (one host): client i connects to
  // ports[i % size] (cluster mode: clients spread over the nodes).
  std::vector<std::uint16_t> ports;
  std::uint32_t clients = 100;
  std::uint32_t messages = 1;     // fanout: messages per client
  double rate = 100;              // latency: aggregate sends per second
  double seconds = 10;            // latency, durable: measured time; idle: hold time
  double warmup = 1;              // latency, durable: sent but not measured
  double drain = 15;              // latency, durable: wait for stragglers after sending
  double settle = 0.5;            // quiet time before the barrier / RSS sample
  double stall = 15;              // fanout: give up after this long without a delivery
  double timeout = 600;           // the whole run, setup included
  std::uint32_t window = 32;      // durable: sends in flight per client
  std::uint32_t slow_readers = 0; // fanout: clients that read slowly (spread evenly)
  slow_reading slow;              // how they read
  int server_pid = 0;             // for /proc CPU and RSS; 0 = not measured
  std::vector<int> server_pids;   // every --server-pid: CPU is their sum
  std::string label;
  std::string synchronous;    // durable: the server's setting, reported as is
  std::string room = "bench"; // prefixed with the run's random prefix
  std::string password = "bench-password";
  double ack_every_ms = 10;      // ack batching period; 0 = one ack per read burst
  std::uint32_t ack_batch = 200; // an ack frame leaves once it holds this many ids
  int source_addrs = 4;          // 127.0.0.1 .. 127.0.0.N as client addresses
  int connect_concurrency = 128; // WebSocket connects in progress at once
  int http_concurrency = 8;      // /register + /login requests in progress at once
  std::string command_line;      // as given, for the JSON line
};

/// Parses argv. On a bad command line returns false with `error` set; on
/// --help returns false with `error` empty (print usage, exit 0).
bool parse_options(int argc, char** argv, options& out, std::string& error);

const char* usage_text();

const char* target_name(target_kind t);
const char* client_name(client_kind k);

} // namespace bench
