// The keys config/server.ini may hold: section, name, range or kind, and
// where each lives in server_config. One table serves the parser
// (server_config.cpp) and the list of defaults (config_entries, which the
// documented-defaults test reads). Private to config/.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "config/server_config.hpp"

namespace chat::config_keys {

struct int_key {
  const char* section;
  const char* name;
  std::int64_t min;
  std::int64_t max;
  void (*set)(server_config&, std::int64_t);
  std::int64_t (*get)(const server_config&);
};

enum class text_kind {
  non_empty,
  any,
  path,
  synchronous,
  log_level,
  backend,
  url,
  node_id,
  tls_file, // a path, or empty
  tls_version,
  tls_tcp // [tls] tcp: true or false
};

struct text_key {
  const char* section;
  const char* name;
  text_kind kind;
};

/// No upper bound.
inline constexpr std::int64_t no_max = std::numeric_limits<std::int64_t>::max();

extern const std::vector<int_key> int_keys;
extern const std::vector<text_key> text_keys;
extern const std::vector<const char*> sections;

// The value of a text key in `cfg`, as the file spells it (apply_text's
// inverse).
std::string text_value(const server_config& cfg, const text_key& key);

} // namespace chat::config_keys
