// The server's settings, read from an INI file (config/server.ini documents
// every key and its default). Parsed with inih so the file is read as people
// write it: unquoted strings, `;` comments, empty values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chat {

struct server_config {
  // [server]
  std::string bind = "127.0.0.1";
  std::uint16_t http_port = 8080;
  std::uint16_t tcp_port = 8989;
  std::string web_root = "web"; // absolute after loading
  int io_threads = 2;
  int actor_threads = 2;
  // [storage]
  std::string storage_path = "data/chat.db"; // absolute after loading
  int commit_window_ms = 2;
  int batch_max = 1000;
  bool synchronous_full = false; // synchronous = full (else normal)
  // [auth]
  std::string server_password;
  std::int64_t token_ttl_s = 86400;
  std::uint64_t hash_ops = 2;
  std::uint64_t hash_mem_kib = 65536;
  int hash_threads = 2;
  int hash_queue_max = 256;
  // [delivery]
  std::int64_t ack_timeout_s = 30;
  std::int64_t backlog_max = 1000;
  // [limits]
  std::size_t max_frame_bytes = 65536;
  std::size_t max_body_bytes = 65536;
  std::size_t write_queue_max = 8192;
  std::int64_t request_timeout_ms = 10000;
  std::int64_t handshake_timeout_s = 30;
  std::int64_t idle_timeout_s = 300;
  std::int64_t http_timeout_s = 30;
  std::int64_t messages_per_second = 50;
  std::int64_t burst = 100;
  std::int64_t rate_limit_close_after = 100;
  std::int64_t max_connections = 100000;
  std::int64_t max_connections_per_ip = 1000;
  std::int64_t logins_per_minute_per_name = 10;
  std::int64_t logins_per_minute_per_ip = 60;
  std::uint32_t default_max_members = 1000;
  // [log]
  std::string log_level = "info"; // debug, info, warn or error
};

/// The outcome of reading a config file: either `error` is set (the server
/// must exit with status 2 and print it) or `config` holds the values.
/// `warnings` lists unknown sections/keys; the server prints them and goes on.
struct config_result {
  server_config config;
  std::string error;
  std::vector<std::string> warnings;
  bool ok() const { return error.empty(); }
};

/// Reads `path`. Relative paths inside (web_root, storage path) resolve
/// against the folder holding the file.
config_result load_config(const std::string& path);

/// The same, from INI text; relative paths resolve against `base_dir`.
config_result parse_config(const std::string& text, const std::string& base_dir);

} // namespace chat
