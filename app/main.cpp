// chat-actors: the command line (app/command_line.hpp). Reads the config
// with the flags' and the environment's overrides (exit 2 on a bad one),
// then checks it, backs the database up, or hands over to run_server.
#include <iostream>
#include <string>
#include <vector>

#include "app/build_info.hpp"
#include "app/command_line.hpp"
#include "app/server.hpp"
#include "common/log.hpp"
#include "common/run_guarded.hpp"
#include "config/server_config.hpp"
#include "protocol/chat_error.hpp"
#include "storage/sqlite_backup.hpp"

namespace {

int backup(const chat::server_config& cfg, const std::string& to) {
  if (cfg.storage_backend != "sqlite") {
    std::cerr << "chat-actors: --backup copies a SQLite database; back up PostgreSQL with "
                 "pg_dump (docs/operations.md)\n";
    return 2;
  }
  if (auto err = chat::backup_sqlite(cfg.storage_path, to)) {
    std::cerr << "chat-actors: " << chat::error_text(err) << "\n";
    return 1;
  }
  std::cout << "backed up " << cfg.storage_path << " to " << to << "\n";
  return 0;
}

int run(int argc, char** argv) {
  auto cl = chat::parse_command_line(std::vector<std::string>(argv + 1, argv + argc));
  using action = chat::command_line::action;
  if (!cl.error.empty()) {
    std::cerr << "chat-actors: " << cl.error << "\n" << chat::usage;
    return 2;
  }
  if (cl.what == action::help) {
    std::cout << chat::usage;
    return 0;
  }
  if (cl.what == action::version) {
    std::cout << "chat-actors " << chat::build_info::version << " (commit "
              << chat::build_info::commit << ")\n";
    return 0;
  }
  auto loaded = chat::load_config(cl.config_path, cl.overrides);
  const auto where = "config " + cl.config_path + ": ";
  if (cl.what == action::check_config) {
    // The certificate too: a renewal checked before SIGHUP or a restart.
    if (std::string error;
        loaded.ok() && loaded.config.tls() && !chat::load_certificate(loaded.config, error))
      loaded.errors.push_back(error);
    // Everything to stdout, nothing bound or opened.
    for (const auto& w : loaded.warnings)
      std::cout << where << "warning: " << w << "\n";
    for (const auto& e : loaded.errors)
      std::cout << where << "error: " << e << "\n";
    if (!loaded.ok()) {
      std::cout << where << loaded.errors.size() << " error(s)\n";
      return 2;
    }
    std::cout << where << "ok; the settings that apply:\n"
              << chat::describe_settings(loaded.config);
    return 0;
  }
  for (const auto& w : loaded.warnings)
    chat::log_warn(where + w);
  if (!loaded.ok()) {
    std::cerr << "chat-actors: " << where << loaded.error() << "\n";
    return 2;
  }
  if (cl.what == action::backup)
    return backup(loaded.config, cl.backup_path);
  return chat::run_server(loaded.config);
}

} // namespace

int main(int argc, char** argv) {
  return chat::run_guarded("chat-actors", [&] { return run(argc, argv); });
}
