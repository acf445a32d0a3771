// The default of every config key, and the only place that spells them.
// config/server_config.hpp starts from these, and so do the settings each
// layer is handed (actor_settings, auth_settings, hash_cost,
// transport_settings, store_options): a layer built without a config (a unit
// test, a tool) runs with the server's numbers. config/server.ini, the
// README's table and docs/operations.md repeat them for people;
// tests/config/documented_defaults_test.cpp fails when one of them disagrees.
//
// Each constant is named after its key, unit suffix included; the names
// that would be unclear alone say more (storage_path is [storage] path,
// log_level is [log] level, synchronous_full is [storage] synchronous,
// storage_backend and storage_url are [storage] backend and url).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace chat::defaults {

// [server]
inline constexpr std::string_view bind = "127.0.0.1";
inline constexpr std::uint16_t http_port = 8080;
inline constexpr std::uint16_t tcp_port = 8989;
// Paths are relative to the config file's folder, as every path in the file
// is: these fit config/server.ini, one folder below the checkout's web/ and
// data/, so a config there may leave them out.
inline constexpr std::string_view web_root = "../web";
inline constexpr int io_threads = 2;
inline constexpr int actor_threads = 2;

// [storage]
inline constexpr std::string_view storage_path = "../data/chat.db";
inline constexpr int commit_window_ms = 2;
inline constexpr int batch_max = 1000;
inline constexpr bool synchronous_full = false;               // synchronous = normal
inline constexpr std::string_view storage_backend = "sqlite"; // or postgres
inline constexpr std::string_view storage_url{};              // postgres only

// [cluster]
inline constexpr std::string_view node_id{}; // empty: <host>:<http port>

// [auth]
inline constexpr std::string_view server_password{}; // empty: none
inline constexpr std::int64_t token_ttl_s = 86400;
// libsodium's argon2id INTERACTIVE limits.
inline constexpr std::uint64_t hash_ops = 2;
inline constexpr std::uint64_t hash_mem_kib = 65536;
inline constexpr int hash_threads = 2;
inline constexpr int hash_queue_max = 256;

// [delivery]
inline constexpr std::int64_t ack_timeout_s = 30;
inline constexpr std::int64_t backlog_max = 1000;

// [limits]
inline constexpr std::size_t max_frame_bytes = 65536;
inline constexpr std::size_t max_body_bytes = 65536;
inline constexpr std::size_t write_queue_max = 8192;
inline constexpr std::int64_t request_timeout_ms = 10000;
inline constexpr std::int64_t http_timeout_s = 30;
inline constexpr std::int64_t handshake_timeout_s = 30;
inline constexpr std::int64_t idle_timeout_s = 300;
inline constexpr std::int64_t messages_per_second = 50;
inline constexpr std::int64_t burst = 100;
inline constexpr std::int64_t rate_limit_close_after = 100;
inline constexpr std::int64_t max_connections = 100000;
inline constexpr std::int64_t max_connections_per_ip = 1000;
inline constexpr std::int64_t logins_per_minute_per_name = 10;
inline constexpr std::int64_t logins_per_minute_per_ip = 60;
inline constexpr std::uint32_t default_max_members = 1000;

// [log]
inline constexpr std::string_view log_level = "info";

// [tls]: off unless a certificate is given.
inline constexpr std::string_view tls_cert_file{}; // PEM, the chain after the certificate
inline constexpr std::string_view tls_key_file{};  // PEM
inline constexpr std::string_view tls_min_version = "1.2";
inline constexpr bool tls_tcp = false; // the raw TCP port over TLS too

} // namespace chat::defaults
