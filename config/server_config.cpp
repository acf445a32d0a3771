// Reads config/server.ini into a server_config. inih's C API splits the text
// into (section, key, value) triples and already drops whitespace and inline
// `; comments`; this file checks each key against the table of keys
// (config/config_keys.hpp), converts and range-checks its value, and
// resolves relative paths. Runs once at start-up,
// before any thread is spawned.
#include "config/server_config.hpp"

#include "config/config_keys.hpp"

#include <ini.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <set>
#include <type_traits>
#include <utility>

namespace chat {

namespace {

using namespace config_keys;
namespace fs = std::filesystem;

// inih reads lines into a 200-byte buffer: a longer line is silently cut in
// two. Content plus '\n' must fit in 199 bytes.
constexpr std::size_t max_line_length = 198;

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
  st.result.errors.push_back("bad value for [" + section + "] " + name + ": '" + value
                             + "' (expected " + expected + ")");
}

// Whether `value` is one of `allowed`; if not, the error names them all
// ("a, b or c").
bool one_of(parse_state& st, const text_key& key, const std::string& value,
            std::initializer_list<const char*> allowed) {
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end())
    return true;
  std::string expected;
  for (auto it = allowed.begin(); it != allowed.end(); ++it)
    expected += (it == allowed.begin()     ? ""
                 : it + 1 == allowed.end() ? " or "
                                           : ", ")
                + std::string(*it);
  fail(st, key.section, key.name, value, expected);
  return false;
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
      if (one_of(st, key, value, {"normal", "full"}))
        cfg.synchronous_full = value == "full";
      break;
    case text_kind::log_level:
      if (one_of(st, key, value, {"debug", "info", "warn", "error"}))
        cfg.log_level = value;
      break;
    case text_kind::backend:
      if (one_of(st, key, value, {"sqlite", "postgres"}))
        cfg.storage_backend = value;
      break;
    case text_kind::url: cfg.storage_url = value; break;
    case text_kind::node_id: cfg.node_id = value; break;
    case text_kind::tls_file:
      (std::strcmp(key.name, "cert_file") == 0 ? cfg.tls_cert_file : cfg.tls_key_file) = value;
      break;
    case text_kind::tls_version:
      if (one_of(st, key, value, {"1.2", "1.3"}))
        cfg.tls_min_version = value;
      break;
    case text_kind::tls_tcp:
      if (one_of(st, key, value, {"true", "false"}))
        cfg.tls_tcp = value == "true";
      break;
  }
}

// Sets a key of the tables; false if there is no such key.
bool apply_known(parse_state& st, const std::string& section, const std::string& name,
                 const std::string& value) {
  for (const auto& key : int_keys) {
    if (section == key.section && name == key.name) {
      apply_int(st, key, value);
      return true;
    }
  }
  for (const auto& key : text_keys) {
    if (section == key.section && name == key.name) {
      apply_text(st, key, value);
      return true;
    }
  }
  return false;
}

int on_entry(void* user, const char* raw_section, const char* raw_name, const char* raw_value) {
  auto& st = *static_cast<parse_state*>(user);
  auto section = trim(raw_section);
  auto name = trim(raw_name);
  auto value = trim(raw_value);
  // inih reports an indented line as a continuation of the previous key's
  // value (configparser style); that and a repeated key look the same here.
  if (!st.seen.emplace(section, name).second) {
    st.result.errors.push_back("[" + section + "] " + name
                               + " is set twice (or an indented line continues it)");
    return 1;
  }
  if (apply_known(st, section, name, value))
    return 1;
  auto& warnings = st.result.warnings;
  if (section.empty()) {
    warnings.push_back("unknown key " + name + " before any [section] (ignored)");
    return 1;
  }
  if (std::any_of(sections.begin(), sections.end(),
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

// Sets `overrides` over what the file said, with the same checks; their
// relative paths resolve against the working directory.
void apply_overrides(parse_state& st, const std::vector<config_entry>& overrides) {
  auto& cfg = st.result.config;
  std::error_code ec;
  const auto cwd = fs::current_path(ec);
  for (const auto& o : overrides) {
    auto web_root = cfg.web_root, storage_path = cfg.storage_path;
    if (!apply_known(st, o.section, o.name, o.value)) {
      st.result.errors.push_back("no such setting [" + o.section + "] " + o.name);
      continue;
    }
    if (cfg.web_root != web_root)
      cfg.web_root = resolve(cwd, cfg.web_root);
    if (cfg.storage_path != storage_path)
      cfg.storage_path = resolve(cwd, cfg.storage_path);
  }
}

} // namespace

const std::string& config_result::error() const {
  static const std::string none;
  return errors.empty() ? none : errors.front();
}

config_result parse_config(const std::string& text, const std::string& base_dir,
                           const std::vector<config_entry>& overrides) {
  parse_state st;
  auto& result = st.result;
  if (auto err = check_text(text); !err.empty()) {
    result.errors.push_back(std::move(err));
    return std::move(result);
  }
  int rc = ini_parse_string(text.c_str(), &on_entry, &st);
  if (rc != 0) // > 0: first bad line; < 0: out of memory (heap builds only)
    result.errors.push_back(rc > 0 ? "syntax error on line " + std::to_string(rc)
                                       + " of the config (expected [section] or key = value)"
                                   : std::string{"cannot parse the config: out of memory"});
  std::error_code ec;
  fs::path base = base_dir.empty() ? fs::current_path(ec) : fs::absolute(base_dir, ec);
  if (ec) {
    result.errors.push_back("cannot resolve config folder '" + base_dir + "': " + ec.message());
    return std::move(result);
  }
  auto& cfg = result.config;
  cfg.web_root = resolve(base, cfg.web_root);
  cfg.storage_path = resolve(base, cfg.storage_path);
  for (auto* file : {&cfg.tls_cert_file, &cfg.tls_key_file})
    if (!file->empty())
      *file = resolve(base, *file);
  apply_overrides(st, overrides);
  if (cfg.storage_backend == "postgres" && cfg.storage_url.empty())
    result.errors.emplace_back(
      "[storage] backend = postgres needs [storage] url (a libpq connection "
      "string)");
  if (cfg.tls_cert_file.empty() != cfg.tls_key_file.empty())
    result.errors.emplace_back(
      "[tls] cert_file and key_file go together: set both for TLS, or neither");
  if (cfg.tls_tcp && !cfg.tls())
    result.errors.emplace_back("[tls] tcp = true needs [tls] cert_file and key_file");
  return std::move(result);
}

config_result load_config(const std::string& path, const std::vector<config_entry>& overrides) {
  config_result result;
  auto cannot_read = [&](int err) {
    result.errors.push_back("cannot read config file " + path + ": " + std::strerror(err));
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
  return parse_config(text, abs.parent_path().string(), overrides);
}

} // namespace chat
