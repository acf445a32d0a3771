// The table of config keys (config/config_keys.hpp).
#include "config/config_keys.hpp"

#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

namespace chat {

namespace config_keys {

namespace {

// Durations stay convertible to std::chrono::nanoseconds without overflow.
constexpr std::int64_t max_seconds = no_max / 1'000'000'000;
constexpr std::int64_t max_millis = no_max / 1'000'000;
// libsodium's argon2id accepts at most this many passes and KiB of memory.
constexpr std::int64_t max_u32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t max_int = std::numeric_limits<int>::max();

// The int_key of server_config::*Member.
template <auto Member>
constexpr int_key int_field(const char* section, const char* name, std::int64_t min,
                            std::int64_t max) {
  using field = std::remove_reference_t<decltype(std::declval<server_config&>().*Member)>;
  return {section,
          name,
          min,
          max,
          [](server_config& cfg, std::int64_t value) { cfg.*Member = static_cast<field>(value); },
          [](const server_config& cfg) { return static_cast<std::int64_t>(cfg.*Member); }};
}

using sc = server_config;

} // namespace

const std::vector<int_key> int_keys = {
  int_field<&sc::http_port>("server", "http_port", 0, 65535),
  int_field<&sc::tcp_port>("server", "tcp_port", 0, 65535),
  int_field<&sc::io_threads>("server", "io_threads", 1, 64),
  int_field<&sc::actor_threads>("server", "actor_threads", 1, 64),
  int_field<&sc::commit_window_ms>("storage", "commit_window_ms", 0, 1000),
  int_field<&sc::batch_max>("storage", "batch_max", 1, 100000),
  int_field<&sc::token_ttl_s>("auth", "token_ttl_s", 1, max_seconds),
  int_field<&sc::hash_ops>("auth", "hash_ops", 1, max_u32),
  int_field<&sc::hash_mem_kib>("auth", "hash_mem_kib", 8, max_u32),
  int_field<&sc::hash_threads>("auth", "hash_threads", 1, 64),
  int_field<&sc::hash_queue_max>("auth", "hash_queue_max", 1, max_int),
  int_field<&sc::ack_timeout_s>("delivery", "ack_timeout_s", 1, max_seconds),
  int_field<&sc::backlog_max>("delivery", "backlog_max", 1, no_max),
  int_field<&sc::max_frame_bytes>("limits", "max_frame_bytes", 64, no_max),
  int_field<&sc::max_body_bytes>("limits", "max_body_bytes", 64, no_max),
  int_field<&sc::write_queue_max>("limits", "write_queue_max", 1, no_max),
  int_field<&sc::request_timeout_ms>("limits", "request_timeout_ms", 1, max_millis),
  int_field<&sc::handshake_timeout_s>("limits", "handshake_timeout_s", 1, max_seconds),
  int_field<&sc::idle_timeout_s>("limits", "idle_timeout_s", 1, max_seconds),
  int_field<&sc::http_timeout_s>("limits", "http_timeout_s", 1, max_seconds),
  int_field<&sc::messages_per_second>("limits", "messages_per_second", 1, no_max),
  int_field<&sc::burst>("limits", "burst", 1, no_max),
  int_field<&sc::rate_limit_close_after>("limits", "rate_limit_close_after", 1, no_max),
  int_field<&sc::max_connections>("limits", "max_connections", 1, no_max),
  int_field<&sc::max_connections_per_ip>("limits", "max_connections_per_ip", 1, no_max),
  int_field<&sc::logins_per_minute_per_name>("limits", "logins_per_minute_per_name", 1, no_max),
  int_field<&sc::logins_per_minute_per_ip>("limits", "logins_per_minute_per_ip", 1, no_max),
  int_field<&sc::default_max_members>("limits", "default_max_members", 1, max_u32),
};

const std::vector<text_key> text_keys = {
  {"server", "bind", text_kind::non_empty},   {"server", "web_root", text_kind::path},
  {"storage", "path", text_kind::path},       {"storage", "synchronous", text_kind::synchronous},
  {"storage", "backend", text_kind::backend}, {"storage", "url", text_kind::url},
  {"cluster", "node_id", text_kind::node_id}, {"auth", "server_password", text_kind::any},
  {"log", "level", text_kind::log_level},     {"tls", "cert_file", text_kind::tls_file},
  {"tls", "key_file", text_kind::tls_file},   {"tls", "min_version", text_kind::tls_version},
  {"tls", "tcp", text_kind::tls_tcp},
};

const std::vector<const char*> sections
  = {"server", "storage", "cluster", "auth", "delivery", "limits", "log", "tls"};

std::string text_value(const server_config& cfg, const text_key& key) {
  switch (key.kind) {
    case text_kind::non_empty: return cfg.bind;
    case text_kind::any: return cfg.server_password;
    case text_kind::path:
      return std::strcmp(key.name, "web_root") == 0 ? cfg.web_root : cfg.storage_path;
    case text_kind::synchronous: return cfg.synchronous_full ? "full" : "normal";
    case text_kind::log_level: return cfg.log_level;
    case text_kind::backend: return cfg.storage_backend;
    case text_kind::url: return cfg.storage_url;
    case text_kind::node_id: return cfg.node_id;
    case text_kind::tls_file:
      return std::strcmp(key.name, "cert_file") == 0 ? cfg.tls_cert_file : cfg.tls_key_file;
    case text_kind::tls_version: return cfg.tls_min_version;
    case text_kind::tls_tcp: return cfg.tls_tcp ? "true" : "false";
  }
  return {};
}

} // namespace config_keys

std::vector<config_entry> config_entries(const server_config& cfg) {
  std::vector<config_entry> entries;
  for (const auto& key : config_keys::int_keys)
    entries.push_back({key.section, key.name, std::to_string(key.get(cfg))});
  for (const auto& key : config_keys::text_keys)
    entries.push_back({key.section, key.name, config_keys::text_value(cfg, key)});
  return entries;
}

} // namespace chat
