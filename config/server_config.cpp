// Reads config/server.ini into a server_config. inih's C API splits the text
// into (section, key, value) triples and already drops whitespace and inline
// `; comments`; this file checks each key against a table, converts and
// range-checks its value, and resolves relative paths. Runs once at start-up,
// before any thread is spawned.
#include "config/server_config.hpp"

#include <ini.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>
#include <type_traits>
#include <utility>

namespace chat {

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t no_max = std::numeric_limits<std::int64_t>::max();
// Durations stay convertible to std::chrono::nanoseconds without overflow.
constexpr std::int64_t max_seconds = no_max / 1'000'000'000;
constexpr std::int64_t max_millis = no_max / 1'000'000;
// libsodium's argon2id accepts at most this many passes and KiB of memory.
constexpr std::int64_t max_u32 = std::numeric_limits<std::uint32_t>::max();
constexpr std::int64_t max_int = std::numeric_limits<int>::max();

// inih reads lines into a 200-byte buffer: a longer line is silently cut in
// two. Content plus '\n' must fit in 199 bytes.
constexpr std::size_t max_line_length = 198;

struct int_key {
  const char* section;
  const char* name;
  std::int64_t min;
  std::int64_t max;
  void (*set)(server_config&, std::int64_t);
  std::int64_t (*get)(const server_config&);
};

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

const int_key int_keys[] = {
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

enum class text_kind { non_empty, any, path, synchronous, log_level };

struct text_key {
  const char* section;
  const char* name;
  text_kind kind;
};

const text_key text_keys[] = {
  {"server", "bind", text_kind::non_empty},    {"server", "web_root", text_kind::path},
  {"storage", "path", text_kind::path},        {"storage", "synchronous", text_kind::synchronous},
  {"auth", "server_password", text_kind::any}, {"log", "level", text_kind::log_level},
};

const char* const sections[] = {"server", "storage", "auth", "delivery", "limits", "log"};

// What the inih handler accumulates; the first bad value wins.
struct parse_state {
  config_result result;
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> warned_sections;
};

std::string trim(const char* text) {
  std::string s = text ? text : "";
  const char* ws = " \t\r\n";
  auto first = s.find_first_not_of(ws);
  if (first == std::string::npos)
    return {};
  return s.substr(first, s.find_last_not_of(ws) - first + 1);
}

std::string expected_range(std::int64_t min, std::int64_t max) {
  if (max == no_max) {
    if (min == 0)
      return "a non-negative integer";
    if (min == 1)
      return "a positive integer";
    return "an integer >= " + std::to_string(min);
  }
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

void fail(parse_state& st, const std::string& section, const std::string& name,
          const std::string& value, const std::string& expected) {
  if (st.result.error.empty())
    st.result.error
      = "bad value for [" + section + "] " + name + ": '" + value + "' (expected " + expected + ")";
}

void apply_int(parse_state& st, const int_key& key, const std::string& value) {
  std::int64_t n = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, n);
  if (value.empty() || ec != std::errc{} || ptr != end || n < key.min || n > key.max) {
    fail(st, key.section, key.name, value, expected_range(key.min, key.max));
    return;
  }
  key.set(st.result.config, n);
}

void apply_text(parse_state& st, const text_key& key, const std::string& value) {
  auto& cfg = st.result.config;
  switch (key.kind) {
    case text_kind::non_empty:
      if (value.empty())
        fail(st, key.section, key.name, value, "a non-empty string");
      else
        cfg.bind = value;
      break;
    case text_kind::any: cfg.server_password = value; break;
    case text_kind::path:
      if (value.empty())
        fail(st, key.section, key.name, value, "a path");
      else if (std::strcmp(key.name, "web_root") == 0)
        cfg.web_root = value;
      else
        cfg.storage_path = value;
      break;
    case text_kind::synchronous:
      if (value == "normal" || value == "full")
        cfg.synchronous_full = value == "full";
      else
        fail(st, key.section, key.name, value, "normal or full");
      break;
    case text_kind::log_level:
      if (value == "debug" || value == "info" || value == "warn" || value == "error")
        cfg.log_level = value;
      else
        fail(st, key.section, key.name, value, "debug, info, warn or error");
      break;
  }
}

// The value of a text key in `cfg`, as the file spells it (apply_text's
// inverse).
std::string text_value(const server_config& cfg, const text_key& key) {
  switch (key.kind) {
    case text_kind::non_empty: return cfg.bind;
    case text_kind::any: return cfg.server_password;
    case text_kind::path:
      return std::strcmp(key.name, "web_root") == 0 ? cfg.web_root : cfg.storage_path;
    case text_kind::synchronous: return cfg.synchronous_full ? "full" : "normal";
    case text_kind::log_level: return cfg.log_level;
  }
  return {};
}

int on_entry(void* user, const char* raw_section, const char* raw_name, const char* raw_value) {
  auto& st = *static_cast<parse_state*>(user);
  auto section = trim(raw_section);
  auto name = trim(raw_name);
  auto value = trim(raw_value);
  // inih reports an indented line as a continuation of the previous key's
  // value (configparser style); that and a repeated key look the same here.
  if (!st.seen.emplace(section, name).second) {
    if (st.result.error.empty())
      st.result.error
        = "[" + section + "] " + name + " is set twice (or an indented line continues it)";
    return 1;
  }
  for (const auto& key : int_keys) {
    if (section == key.section && name == key.name) {
      apply_int(st, key, value);
      return 1;
    }
  }
  for (const auto& key : text_keys) {
    if (section == key.section && name == key.name) {
      apply_text(st, key, value);
      return 1;
    }
  }
  auto& warnings = st.result.warnings;
  if (section.empty()) {
    warnings.push_back("unknown key " + name + " before any [section] (ignored)");
    return 1;
  }
  if (std::any_of(std::begin(sections), std::end(sections),
                  [&](const char* known) { return section == known; })) {
    warnings.push_back("unknown key [" + section + "] " + name + " (ignored)");
    return 1;
  }
  if (st.warned_sections.insert(section).second)
    warnings.push_back("unknown section [" + section + "] (ignored)");
  return 1;
}

// Absolute and lexically normal, without a trailing separator.
std::string resolve(const fs::path& base, const std::string& value) {
  auto p = (base / fs::path(value)).lexically_normal();
  if (!p.has_filename() && p.has_relative_path())
    p = p.parent_path();
  return p.string();
}

// Checks what inih cannot report well: NUL bytes and over-long lines.
std::string check_text(const std::string& text) {
  if (text.find('\0') != std::string::npos)
    return "config contains a NUL byte";
  for (std::size_t line = 1, start = 0; start <= text.size(); ++line) {
    auto end = std::min(text.find('\n', start), text.size());
    if (end - start > max_line_length)
      return "line " + std::to_string(line)
             + " of the config is too long (at "
               "most "
             + std::to_string(max_line_length) + " characters)";
    start = end + 1;
  }
  return {};
}

} // namespace

config_result parse_config(const std::string& text, const std::string& base_dir) {
  parse_state st;
  if (auto err = check_text(text); !err.empty()) {
    st.result.error = std::move(err);
    return std::move(st.result);
  }
  int rc = ini_parse_string(text.c_str(), &on_entry, &st);
  auto& result = st.result;
  if (rc != 0) // > 0: first bad line; < 0: out of memory (heap builds only)
    result.error = rc > 0 ? "syntax error on line " + std::to_string(rc)
                              + " of the config (expected [section] or key = value)"
                          : std::string{"cannot parse the config: out of memory"};
  if (!result.ok())
    return std::move(result);
  std::error_code ec;
  fs::path base = base_dir.empty() ? fs::current_path(ec) : fs::absolute(base_dir, ec);
  if (ec) {
    result.error = "cannot resolve config folder '" + base_dir + "': " + ec.message();
    return std::move(result);
  }
  auto& cfg = result.config;
  cfg.web_root = resolve(base, cfg.web_root);
  cfg.storage_path = resolve(base, cfg.storage_path);
  return std::move(result);
}

std::vector<config_entry> config_entries(const server_config& cfg) {
  std::vector<config_entry> entries;
  for (const auto& key : int_keys)
    entries.push_back({key.section, key.name, std::to_string(key.get(cfg))});
  for (const auto& key : text_keys)
    entries.push_back({key.section, key.name, text_value(cfg, key)});
  return entries;
}

config_result load_config(const std::string& path) {
  config_result result;
  auto cannot_read = [&](int err) {
    result.error = "cannot read config file " + path + ": " + std::strerror(err);
    return std::move(result);
  };
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return cannot_read(EISDIR);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{std::fopen(path.c_str(), "rb"),
                                                       &std::fclose};
  if (!file)
    return cannot_read(errno);
  std::string text;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0)
    text.append(buf, n);
  if (std::ferror(file.get()))
    return cannot_read(EIO);
  auto abs = fs::absolute(path, ec);
  if (ec)
    return cannot_read(ec.value());
  return parse_config(text, abs.parent_path().string());
}

} // namespace chat
