#include "app/command_line.hpp"

#include <cstdlib>
#include <map>
#include <sstream>

namespace chat {

const char* const usage = R"(usage: chat-actors [--config FILE] [OPTIONS]
       chat-actors --check-config FILE [OPTIONS]
       chat-actors [--config FILE] [--db PATH] --backup FILE
       chat-actors --help | --version

Serves chat over HTTP + WebSocket and newline-delimited JSON over TCP
(see docs/protocol.md and docs/operations.md).

  --config FILE        the INI file to read (default: config/server.ini);
                       relative paths inside resolve against its folder
  --check-config FILE  read FILE with the options below, print every problem
                       (or the settings that would apply) and exit without
                       binding a port or opening the database
  --backup FILE        copy the SQLite database (the config's, or --db) into
                       the new FILE while the server runs (SQLite's online
                       backup API: a consistent snapshot) and exit
  --http-port N        [server] http_port (HTTP and WebSocket; 0: any free)
  --tcp-port N         [server] tcp_port (raw TCP; 0: off)
  --bind ADDRESS       [server] bind
  --db PATH            [storage] path (the SQLite database); relative to the
                       working directory
  --version            print the version and git commit and exit
  --help               print this text and exit

Options win over the file. Secrets may come from the environment instead of
the file: CHAT_SERVER_PASSWORD ([auth] server_password) and CHAT_STORAGE_URL
([storage] url, a libpq connection string; libpq's own PGPASSWORD and
PGPASSFILE work too). Options win over the environment.

Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), a good config or a
backup taken, 1 if the server could not start (port taken, storage
unusable) or the backup failed, 2 for a bad command line or config file.
)";

namespace {

// The flags that set a config key.
const std::map<std::string, config_entry>& setting_flags() {
  static const std::map<std::string, config_entry> flags{
    {"--http-port", {"server", "http_port", ""}},
    {"--tcp-port", {"server", "tcp_port", ""}},
    {"--bind", {"server", "bind", ""}},
    {"--db", {"storage", "path", ""}},
  };
  return flags;
}

// Secrets that are better kept out of a file others may read.
void read_environment(command_line& cl) {
  const std::pair<const char*, config_entry> vars[] = {
    {"CHAT_SERVER_PASSWORD", {"auth", "server_password", ""}},
    {"CHAT_STORAGE_URL", {"storage", "url", ""}},
  };
  for (const auto& [var, entry] : vars) {
    if (const char* value = std::getenv(var)) {
      cl.overrides.push_back(entry);
      cl.overrides.back().value = value;
    }
  }
}

} // namespace

command_line parse_command_line(const std::vector<std::string>& args) {
  command_line cl;
  read_environment(cl);
  for (std::size_t i = 0; i < args.size() && cl.error.empty(); ++i) {
    std::string flag = args[i], value;
    bool inline_value = false;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag.resize(eq);
      inline_value = true;
    }
    auto takes_value = [&]() -> bool {
      if (inline_value)
        return true;
      if (i + 1 >= args.size()) {
        cl.error = flag + " needs a value";
        return false;
      }
      value = args[++i];
      return true;
    };
    if ((flag == "--help" || flag == "-h") && !inline_value) {
      cl.what = command_line::action::help;
    } else if ((flag == "--version" || flag == "-V") && !inline_value) {
      cl.what = command_line::action::version;
    } else if (flag == "--config" || flag == "--check-config") {
      if (!takes_value())
        break;
      cl.config_path = value;
      if (flag == "--check-config")
        cl.what = command_line::action::check_config;
    } else if (flag == "--backup") {
      if (!takes_value())
        break;
      cl.backup_path = value;
      cl.what = command_line::action::backup;
    } else if (auto it = setting_flags().find(flag); it != setting_flags().end()) {
      if (!takes_value())
        break;
      cl.overrides.push_back(it->second);
      cl.overrides.back().value = value;
    } else {
      cl.error = "unknown argument '" + args[i] + "'";
    }
  }
  return cl;
}

std::string describe_settings(const server_config& cfg) {
  std::ostringstream out;
  for (const auto& e : config_entries(cfg)) {
    bool secret = e.name == "server_password" || e.name == "url";
    out << "[" << e.section << "] " << e.name << " = "
        << (secret ? (e.value.empty() ? "(empty)" : "(set)") : e.value) << "\n";
  }
  return out.str();
}

} // namespace chat
