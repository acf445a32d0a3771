// One line per event on stderr: "<UTC time> <LEVEL> <message>". Lines are
// written with a single call so lines from different threads never mix.
#pragma once

#include <string_view>

namespace chat {

enum class log_level { debug, info, warn, error };

/// Lines below `level` are dropped (default: info).
void set_log_level(log_level level);

void log(log_level level, std::string_view message);

inline void log_info(std::string_view message) {
  log(log_level::info, message);
}
inline void log_warn(std::string_view message) {
  log(log_level::warn, message);
}
inline void log_error(std::string_view message) {
  log(log_level::error, message);
}

} // namespace chat
