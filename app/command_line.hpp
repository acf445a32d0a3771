// The server's command line: what to do (run, check the config, print help
// or the version), which config file, and the settings that win over it.
// Flags beat environment variables, which beat the file.
#pragma once

#include <string>
#include <vector>

#include "config/server_config.hpp"

namespace chat {

struct command_line {
  enum class action { run, check_config, backup, help, version };
  action what = action::run;
  std::string config_path = "config/server.ini";
  std::string backup_path; // --backup FILE
  // The environment's secrets first, then the flags, in the order given:
  // the last setting of a key wins.
  std::vector<config_entry> overrides;
  std::string error; // a bad command line: print it and the usage, exit 2
};

/// The usage text --help prints.
extern const char* const usage;

/// Reads argv (without argv[0]) and the environment variables of the
/// secrets (CHAT_SERVER_PASSWORD, CHAT_STORAGE_URL).
command_line parse_command_line(const std::vector<std::string>& args);

/// The effective settings, one "[section] key = value" line each, secrets
/// shown as "(set)" or "(empty)": what --check-config prints.
std::string describe_settings(const server_config& cfg);

} // namespace chat
