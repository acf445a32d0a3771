// chat-actors: the command line. Reads the config (exit 2 on a bad one) and
// hands over to run_server.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "app/server.hpp"
#include "common/log.hpp"
#include "common/run_guarded.hpp"
#include "config/server_config.hpp"

namespace {

constexpr const char* usage = R"(usage: chat-actors [--config FILE] [--help]

Serves chat over HTTP + WebSocket (see docs/protocol.md).

  --config FILE   the INI file to read (default: config/server.ini);
                  relative paths inside resolve against its folder
  --help          print this text and exit

Exit status: 0 after a clean shutdown (SIGINT/SIGTERM), 1 if the server
could not start (port taken, storage unusable), 2 for a bad command line or
config file.
)";

} // namespace

namespace {

int run(int argc, char** argv) {
  std::string config_path = "config/server.ini";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << usage;
      return 0;
    }
    if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
      config_path = argv[++i];
      continue;
    }
    std::cerr << "chat-actors: unknown argument '" << argv[i] << "'\n" << usage;
    return 2;
  }
  auto loaded = chat::load_config(config_path);
  const auto where = "config " + config_path + ": ";
  for (const auto& w : loaded.warnings)
    chat::log_warn(where + w);
  if (!loaded.ok()) {
    std::cerr << "chat-actors: config " << config_path << ": " << loaded.error << "\n";
    return 2;
  }
  return chat::run_server(loaded.config);
}

} // namespace

int main(int argc, char** argv) {
  return chat::run_guarded("chat-actors", [&] { return run(argc, argv); });
}
