// chat-actors-cli: a terminal client for chat-actors. Parses the command line
// (bad arguments: usage on stderr, exit 2) and runs the chosen mode.
#include <cstdio>
#include <iostream>

#include "cli/modes.hpp"
#include "cli/options.hpp"
#include "common/run_guarded.hpp"

namespace {

int run(int argc, char** argv) {
  std::string error;
  bool help = false;
  auto opts = chat::cli::parse_options(argc, argv, error, help);
  if (help) {
    std::cout << chat::cli::usage();
    return 0;
  }
  if (!opts) {
    std::cerr << "chat-actors-cli: " << error << "\n" << chat::cli::usage();
    return 2;
  }
  return chat::cli::run(*opts);
}

} // namespace

int main(int argc, char** argv) {
  return chat::run_guarded("chat-actors-cli", [&] { return run(argc, argv); });
}
