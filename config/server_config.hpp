// The server's settings, read from an INI file (config/server.ini documents
// every key and its default; the defaults themselves are in
// common/defaults.hpp). Parsed with inih so the file is read as people write
// it: unquoted strings, `;` comments, empty values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/defaults.hpp"

namespace chat {

// Starts from the defaults of common/defaults.hpp; parse_config overwrites
// what the file sets.
struct server_config {
  // [server]
  std::string bind{defaults::bind};
  std::uint16_t http_port = defaults::http_port;
  std::uint16_t tcp_port = defaults::tcp_port;
  std::string web_root{defaults::web_root}; // absolute after loading
  int io_threads = defaults::io_threads;
  int actor_threads = defaults::actor_threads;
  // [storage]
  std::string storage_path{defaults::storage_path}; // absolute after loading
  int commit_window_ms = defaults::commit_window_ms;
  int batch_max = defaults::batch_max;
  bool synchronous_full = defaults::synchronous_full;     // synchronous = full (else normal)
  std::string storage_backend{defaults::storage_backend}; // sqlite or postgres
  std::string storage_url{defaults::storage_url};         // libpq connection string (postgres)
  // [cluster]
  std::string node_id{defaults::node_id}; // empty: <host>:<http port>, set at start
  // [auth]
  std::string server_password{defaults::server_password};
  std::int64_t token_ttl_s = defaults::token_ttl_s;
  std::uint64_t hash_ops = defaults::hash_ops;
  std::uint64_t hash_mem_kib = defaults::hash_mem_kib;
  int hash_threads = defaults::hash_threads;
  int hash_queue_max = defaults::hash_queue_max;
  // [delivery]
  std::int64_t ack_timeout_s = defaults::ack_timeout_s;
  std::int64_t backlog_max = defaults::backlog_max;
  // [limits]
  std::size_t max_frame_bytes = defaults::max_frame_bytes;
  std::size_t max_body_bytes = defaults::max_body_bytes;
  std::size_t write_queue_max = defaults::write_queue_max;
  std::int64_t request_timeout_ms = defaults::request_timeout_ms;
  std::int64_t handshake_timeout_s = defaults::handshake_timeout_s;
  std::int64_t idle_timeout_s = defaults::idle_timeout_s;
  std::int64_t http_timeout_s = defaults::http_timeout_s;
  std::int64_t messages_per_second = defaults::messages_per_second;
  std::int64_t burst = defaults::burst;
  std::int64_t rate_limit_close_after = defaults::rate_limit_close_after;
  std::int64_t max_connections = defaults::max_connections;
  std::int64_t max_connections_per_ip = defaults::max_connections_per_ip;
  std::int64_t logins_per_minute_per_name = defaults::logins_per_minute_per_name;
  std::int64_t logins_per_minute_per_ip = defaults::logins_per_minute_per_ip;
  std::uint32_t default_max_members = defaults::default_max_members;
  // [log]
  std::string log_level{defaults::log_level}; // debug, info, warn or error
  // [tls]
  std::string tls_cert_file{defaults::tls_cert_file}; // empty: plain HTTP; absolute after loading
  std::string tls_key_file{defaults::tls_key_file};
  std::string tls_min_version{defaults::tls_min_version}; // 1.2 or 1.3
  bool tls_tcp = defaults::tls_tcp;
  bool tls() const { return !tls_cert_file.empty(); }
};

/// The outcome of reading a config file: either `errors` lists every
/// problem found, in the order found (the server must exit with status 2;
/// --check-config prints them all), or `config` holds the values.
/// `warnings` lists unknown sections/keys, which the server prints and goes
/// on.
struct config_result {
  server_config config;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  bool ok() const { return errors.empty(); }
  /// The first problem, what a starting server prints ("" when ok).
  const std::string& error() const;
};

/// A key parse_config reads, with a value spelled as the file would spell it.
struct config_entry {
  std::string section;
  std::string name;
  std::string value;
};

/// Reads `path`. Relative paths (web_root and storage path, whether the file
/// sets them or leaves them at their defaults) resolve against the folder
/// holding the file. `overrides` (the command line's flags, environment
/// variables) win over the file, with the same checks; their relative paths
/// resolve against the working directory.
config_result load_config(const std::string& path, const std::vector<config_entry>& overrides = {});

/// The same, from INI text; relative paths resolve against `base_dir`.
config_result parse_config(const std::string& text, const std::string& base_dir,
                           const std::vector<config_entry>& overrides = {});

/// Every key parse_config knows, with its value in `cfg`.
/// `config_entries(server_config{})` are the defaults, which
/// tests/config/documented_defaults_test.cpp checks the documents against.
std::vector<config_entry> config_entries(const server_config& cfg);

} // namespace chat
