// The server binary's command line (chat-actors; the terminal client,
// chat-actors-cli, is tested in cli_client_test.cpp): --help prints usage
// and exits 0, a bad config value exits 2 with a message naming the key, a
// missing config file is reported, an unknown key is only a warning;
// --version, --check-config, the flags that win over the file and the
// secrets read from the environment, and SIGHUP without [tls].
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tcp_client.hpp"

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

TEST_CASE("--version prints the version and the git commit it was built from") {
  auto result = run_binary({"--version"});
  INFO("output: ", result.output);
  CHECK(result.exit_code == 0);
  // Built from a git checkout (CI clones one): a real commit, not "unknown".
  CHECK(std::regex_match(
    result.output, std::regex(R"(chat-actors \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?\)\n)")));
}

TEST_CASE("a bad command line exits 2 and says what is wrong") {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--frobnicate"}, {"--db"}, {"--http-port"}}) {
    auto result = run_binary(args);
    INFO(args[0], "; output: ", result.output);
    CHECK(result.exit_code == 2);
    CHECK(result.output.find(args[0]) != std::string::npos);
    CHECK(result.output.find("usage:") != std::string::npos);
  }
}

TEST_CASE("--check-config lists every problem and exits 2") {
  temp_dir dir;
  auto path = write_config(dir, {{"server.http_port", "abc"}, {"limits.burst", "lots"}});
  auto result = run_binary({"--check-config", path, "--tcp-port", "70000"});
  INFO("output: ", result.output);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("[server] http_port: 'abc'") != std::string::npos);
  CHECK(result.output.find("[limits] burst: 'lots'") != std::string::npos);
  CHECK(result.output.find("[server] tcp_port: '70000'") != std::string::npos);
  CHECK(result.output.find("3 error(s)") != std::string::npos);
}

TEST_CASE("--check-config of a good file shows the settings that apply and binds or opens "
          "nothing") {
  // The file's port is taken: a server that tried to listen would fail.
  int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(holder >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(holder, 1) == 0);
  REQUIRE(::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  auto taken = std::to_string(ntohs(addr.sin_port));

  temp_dir dir;
  auto path = write_config(dir, {{"server.http_port", taken}});
  auto db = dir.path() + "/other.db";
  auto result = run_binary(
    {"--check-config", path, "--bind=127.0.0.2", "--db", db}, std::chrono::seconds(20),
    {"CHAT_SERVER_PASSWORD=hunter2-secret", "CHAT_STORAGE_URL=host=/tmp password=hunter2-pg"});
  ::close(holder);
  INFO("output: ", result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("[server] http_port = " + taken + "\n") != std::string::npos);
  CHECK(result.output.find("[server] bind = 127.0.0.2\n") != std::string::npos);
  CHECK(result.output.find("[storage] path = " + db + "\n") != std::string::npos);
  CHECK(result.output.find("[auth] server_password = (set)\n") != std::string::npos);
  CHECK(result.output.find("[storage] url = (set)\n") != std::string::npos);
  CHECK(result.output.find("hunter2") == std::string::npos); // a secret is never printed
  CHECK_FALSE(std::filesystem::exists(db));
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/chat.db"));
}

TEST_CASE("--http-port and --db win over the file in a running server") {
  temp_dir elsewhere;
  auto db = elsewhere.path() + "/flag.db";
  std::string port;
  std::unique_ptr<server_process> server;
  for (int attempt = 0; !server; ++attempt) { // the free port may be taken in between
    port = std::to_string(free_port());
    try {
      server = std::make_unique<server_process>(
        server_process::overrides{}, std::vector<std::string>{"--http-port", port, "--db", db});
    } catch (const std::exception&) {
      if (attempt == 2)
        throw;
    }
  }
  CHECK(std::to_string(server->port()) == port);
  CHECK(request(server->port(), "GET", "/healthz").status == 200);
  CHECK(std::filesystem::exists(db));
  CHECK_FALSE(std::filesystem::exists(server->dir() + "/chat.db"));
  CHECK(server->stop() == 0);
}

TEST_CASE("CHAT_SERVER_PASSWORD sets the server password without the file") {
  server_process server{{}, {}, {"CHAT_SERVER_PASSWORD=from-the-env"}};
  auto body = [](const std::string& server_password) {
    nlohmann::json b{{"name", "env_pw"}, {"password", "password123"}};
    if (!server_password.empty())
      b["server_password"] = server_password;
    return b.dump();
  };
  CHECK(request(server.port(), "POST", "/register", body("")).status == 401);
  CHECK(request(server.port(), "POST", "/register", body("wrong")).status == 401);
  CHECK(request(server.port(), "POST", "/register", body("from-the-env")).status == 201);
}

TEST_CASE("--check-config loads the [tls] certificate and reports one that does not load") {
  temp_dir dir;
  auto cert = dir.write("cert.pem", "-----BEGIN CERTIFICATE-----\nnot a certificate\n");
  auto key = dir.write("key.pem", "not a key\n");
  auto path = write_config(dir, {{"tls.cert_file", cert}, {"tls.key_file", key}});
  auto result = run_binary({"--check-config", path});
  INFO("output: ", result.output);
  CHECK(result.exit_code == 2);
  CHECK(result.output.find("[tls] cert_file " + cert) != std::string::npos);
  CHECK(result.output.find("1 error(s)") != std::string::npos);
}

TEST_CASE("SIGHUP without [tls] is logged and the server goes on") {
  server_process server;
  REQUIRE(::kill(server.pid(), SIGHUP) == 0);
  CHECK(server.wait_for_output("SIGHUP: no [tls] certificate to reload"));
  CHECK(request(server.port(), "GET", "/healthz").status == 200);
  CHECK(server.stop() == 0);
}

} // TEST_SUITE("server command line")
