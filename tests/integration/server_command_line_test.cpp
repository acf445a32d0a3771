// The server binary's command line (chat-actors; the terminal client,
// chat-actors-cli, is tested in cli_client_test.cpp): --help prints usage
// and exits 0, a bad config value exits 2 with a message naming the key, a
// missing config file is reported, and an unknown key is only a warning.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/server_process.hpp"

using namespace chat::test;

namespace {

/// A complete, valid config (free ports, db in `dir`) with `changes` applied
/// ("section.key" -> value); returns the file's path.
std::string write_config(const temp_dir& dir, const std::map<std::string, std::string>& changes) {
  std::map<std::string, std::string> values{
    {"server.bind", "127.0.0.1"}, {"server.http_port", "0"},
    {"server.tcp_port", "0"},     {"storage.path", dir.path() + "/chat.db"},
    {"auth.hash_ops", "1"},       {"auth.hash_mem_kib", "8"},
  };
  for (auto& [key, value] : changes)
    values[key] = value;
  return dir.write("server.ini", ini_text(values));
}

} // namespace

TEST_SUITE("server command line") {

TEST_CASE("--help prints usage and exits 0") {
  auto result = run_binary({"--help"});
  INFO("output: ", result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("--config") != std::string::npos);
}

TEST_CASE("a bad config value exits with code 2 and names the key") {
  const std::vector<std::pair<std::string, std::string>> bad_values{
    {"server.http_port", "abc"},
    {"server.http_port", "70000"},
    {"auth.token_ttl_s", "soon"},
    {"limits.max_frame_bytes", "lots"},
  };
  for (auto& setting : bad_values) {
    // Not a structured binding: INFO's lambda can't capture one in C++17.
    const std::string& key = setting.first;
    const std::string& value = setting.second;
    temp_dir dir;
    auto path = write_config(dir, {{key, value}});
    auto result = run_binary({"--config", path});
    auto name = key.substr(key.find('.') + 1);
    INFO(key, " = ", value, "; output: ", result.output);
    CHECK(result.exit_code == 2);
    CHECK(result.output.find(name) != std::string::npos);
  }
}

TEST_CASE("a missing config file is reported") {
  temp_dir dir;
  auto path = dir.path() + "/does-not-exist.ini";
  auto result = run_binary({"--config", path});
  INFO("output: ", result.output);
  CHECK(result.exit_code != 0);
  CHECK(result.exit_code > 0); // an orderly exit, not a crash or a hang
  CHECK(result.output.find("does-not-exist.ini") != std::string::npos);
}

TEST_CASE("an unknown config key is a warning, not an error") {
  server_process server{{{"server.fancy_new_key", "1"}}};
  CHECK(server.running());
  CHECK(server.output().find("fancy_new_key") != std::string::npos);
}

} // TEST_SUITE("server command line")
