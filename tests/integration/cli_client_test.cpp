// The terminal client (build/chat-actors-cli) driven as a child process
// against the real server: --send reaches a WebSocket member (and acks its
// own copy), --listen prints and acks (a later reconnect replays nothing),
// --send over raw TCP, the interactive mode (a line, then /quit), and bad
// arguments (exit 2).
#include <chrono>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tcp_client.hpp"
#include "tests/support/tls_client.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

/// A running chat-actors-cli with a pipe to its stdin and one from its
/// stdout+stderr.
struct cli_process {
  pid_t pid = -1;
  int in_fd = -1;
  int out_fd = -1;
  std::string output;
  int exit_code = -1;

  explicit cli_process(const std::vector<std::string>& args) {
    int in[2], out[2];
    REQUIRE(pipe(in) == 0);
    REQUIRE(pipe(out) == 0);
    std::vector<std::string> all{CHAT_ACTORS_CLI_BIN};
    all.insert(all.end(), args.begin(), args.end());
    pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(out[1], 2);
      close(in[0]), close(in[1]), close(out[0]), close(out[1]);
      std::vector<char*> argv;
      for (auto& a : all)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    in_fd = in[1];
    out_fd = out[0];
    signal(SIGPIPE, SIG_IGN);
  }

  ~cli_process() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    close_stdin();
    if (out_fd >= 0)
      close(out_fd);
  }

  void write_line(const std::string& line) {
    std::string text = line + "\n";
    CHECK(::write(in_fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }

  void close_stdin() {
    if (in_fd >= 0)
      close(in_fd);
    in_fd = -1;
  }

  /// Reads output until `needle` appears (or EOF / timeout).
  bool wait_output(const std::string& needle, std::chrono::milliseconds timeout = 10s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (output.find(needle) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(left))
        return output.find(needle) != std::string::npos;
    }
    return true;
  }

  /// Reads until EOF, then reaps; SIGKILL after `timeout` (exit code -9).
  int wait_exit(std::chrono::milliseconds timeout = 20s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        kill(pid, SIGKILL);
        break;
      }
      if (!read_some(left)) {
        if (!eof_) // the time is up with the client still running
          kill(pid, SIGKILL);
        break;
      }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return exit_code;
  }

private:
  bool eof_ = false;

  /// False on EOF (then eof_ is set) or timeout.
  bool read_some(std::chrono::milliseconds timeout) {
    pollfd p{out_fd, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
      return false;
    char buf[4096];
    ssize_t n = ::read(out_fd, buf, sizeof(buf));
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    output.append(buf, static_cast<std::size_t>(n));
    return true;
  }
};

struct cli_fixture {
  std::unique_ptr<server_process> server;
  std::uint16_t tcp_port = 0;
  temp_dir files;
  std::string password_file;

  cli_fixture() {
    server = start_with_tcp({}, tcp_port);
    REQUIRE(server->wait_for_output("listening on tcp://127.0.0.1:" + std::to_string(tcp_port)));
    password_file = files.write("password", "password123\n");
  }

  std::string url() const { return "ws://127.0.0.1:" + std::to_string(server->port()); }

  /// The common arguments for user `name` over WebSocket.
  std::vector<std::string> args(const std::string& name, std::vector<std::string> more) const {
    std::vector<std::string> all{"--url", url(), "--name", name, "--password-file", password_file};
    all.insert(all.end(), more.begin(), more.end());
    return all;
  }

  /// A WebSocket session of `acc`, member of `room`, past the replay.
  ws_client member(const account& acc, const std::string& room) {
    auto ws = open_session(server->port(), acc.token);
    REQUIRE(ws.read_type("replayed"));
    auto joined = ws.call(make_frame("join", room));
    REQUIRE(joined);
    REQUIRE(type_of(*joined) == "joined");
    return ws;
  }
};

bool is_message_with(const json& f, const std::string& text) {
  return type_of(f) == "message" && f["body"].value("text", "") == text;
}

} // namespace

TEST_SUITE("terminal client") {

TEST_CASE("bad arguments print usage and exit 2") {
  const std::vector<std::vector<std::string>> bad{
    {},
    {"--url", "ws://127.0.0.1:1", "--bogus"},
    {"--url", "not-a-url", "--name", "alice"},
    {"--url", "ws://127.0.0.1:1"},
    {"--url", "ws://127.0.0.1:1", "--name", "a", "--listen", "r", "--count", "0"},
    {"--url", "ws://127.0.0.1:1", "--name", "a", "--send", "room"},
    {"--url", "ws://127.0.0.1:1", "--name", "a", "--ca-file", "ca.pem"}, // no TLS to check
    {"--tcp", "wss://127.0.0.1:1", "--name", "a"},
  };
  for (auto& args : bad) {
    cli_process cli(args);
    auto code = cli.wait_exit();
    INFO("output: ", cli.output);
    CHECK(code == 2);
    CHECK(cli.output.find("usage:") != std::string::npos);
  }
}

TEST_CASE("--send reaches a WebSocket member of the room") {
  cli_fixture f;
  auto bob = make_account(f.server->port(), "bob");
  auto ws = f.member(bob, "devroom");
  cli_process cli(f.args("alice", {"--register", "--send", "devroom", "hello from cli"}));
  CHECK(cli.wait_exit() == 0);
  INFO("output: ", cli.output);
  CHECK(cli.output.find("sent m") != std::string::npos);
  auto got = ws.read_until([](const json& m) { return is_message_with(m, "hello from cli"); });
  REQUIRE(got);
  CHECK((*got)["from"]["name"] == "alice");
}

TEST_CASE("--send over raw TCP with --http for the login") {
  cli_fixture f;
  auto bob = make_account(f.server->port(), "bob");
  auto ws = f.member(bob, "devroom");
  cli_process cli({"--tcp", "127.0.0.1:" + std::to_string(f.tcp_port), "--http",
                   "127.0.0.1:" + std::to_string(f.server->port()), "--name", "alice",
                   "--password-file", f.password_file, "--register", "--send", "devroom",
                   "over tcp"});
  CHECK(cli.wait_exit() == 0);
  INFO("output: ", cli.output);
  CHECK(ws.read_until([](const json& m) { return is_message_with(m, "over tcp"); }));
}

TEST_CASE("--send acks the room's copy of its own message: the next login replays nothing") {
  cli_fixture f;
  auto port = f.server->port();
  auto alice = make_account(port, "alice");
  cli_process cli(f.args("alice", {"--send", "devroom", "just once"}));
  CHECK(cli.wait_exit() == 0);
  INFO("output: ", cli.output);
  auto again = open_session(port, alice.token);
  auto replayed = again.read_type("replayed");
  REQUIRE(replayed);
  CHECK((*replayed)["count"] == 0);
}

TEST_CASE("--send with a wrong password fails without hanging") {
  cli_fixture f;
  make_account(f.server->port(), "alice");
  auto wrong = f.files.write("wrong", "not-the-password\n");
  cli_process cli(
    {"--url", f.url(), "--name", "alice", "--password-file", wrong, "--send", "devroom", "x"});
  CHECK(cli.wait_exit() == 1);
  CHECK(cli.output.find("login failed") != std::string::npos);
}

TEST_CASE("--listen prints live messages, acks them, and nothing is replayed after") {
  cli_fixture f;
  auto port = f.server->port();
  auto alice = make_account(port, "alice");
  auto bob = make_account(port, "bob");
  auto ws = f.member(bob, "devroom");
  cli_process cli(f.args("alice", {"--listen", "devroom", "--count", "2"}));
  // alice joins through the CLI; her presence tells bob she is in.
  REQUIRE(ws.read_until(
    [](const json& m) { return type_of(m) == "presence" && m["user"]["name"] == "alice"; }, 10s));
  REQUIRE(ws.call(make_frame("send", "devroom", {{"text", "first live"}})));
  REQUIRE(ws.call(make_frame("send", "devroom", {{"text", "second live"}})));
  CHECK(cli.wait_exit() == 0);
  INFO("output: ", cli.output);
  CHECK(cli.output.find("[devroom] bob: first live") != std::string::npos);
  CHECK(cli.output.find("[devroom] bob: second live") != std::string::npos);

  auto again = open_session(port, alice.token);
  auto replayed = again.read_type("replayed");
  REQUIRE(replayed);
  CHECK((*replayed)["count"] == 0);
}

TEST_CASE("--listen prints messages replayed from while it was offline") {
  cli_fixture f;
  auto port = f.server->port();
  auto alice = make_account(port, "alice");
  auto bob = make_account(port, "bob");
  { auto a = f.member(alice, "devroom"); }
  auto ws = f.member(bob, "devroom");
  REQUIRE(ws.call(make_frame("send", "devroom", {{"text", "while away 1"}})));
  REQUIRE(ws.call(make_frame("send", "devroom", {{"text", "while away 2"}})));
  cli_process cli(f.args("alice", {"--listen", "devroom", "--count", "2"}));
  CHECK(cli.wait_exit() == 0);
  INFO("output: ", cli.output);
  CHECK(cli.output.find("bob: while away 1") != std::string::npos);
  CHECK(cli.output.find("bob: while away 2") != std::string::npos);
  auto again = open_session(port, alice.token);
  auto replayed = again.read_type("replayed");
  REQUIRE(replayed);
  CHECK((*replayed)["count"] == 0);
}

TEST_CASE("--listen reconnects after a server restart and resumes") {
  // A fixed HTTP port, so the restarted server is where the client looks.
  std::uint16_t tcp_port = 0;
  auto http_port = free_port();
  auto server = start_with_tcp({{"server.http_port", std::to_string(http_port)}}, tcp_port);
  REQUIRE(server->port() == http_port);
  temp_dir files;
  auto password_file = files.write("password", "password123\n");
  auto alice = make_account(http_port, "alice");
  auto bob = make_account(http_port, "bob");
  auto ws = open_session(http_port, bob.token);
  REQUIRE(ws.read_type("replayed"));
  REQUIRE(ws.call(make_frame("join", "devroom")));
  cli_process cli({"--url", "ws://127.0.0.1:" + std::to_string(http_port), "--name", "alice",
                   "--password-file", password_file, "--listen", "devroom", "--count", "2"});
  REQUIRE(ws.read_until(
    [](const json& m) { return type_of(m) == "presence" && m["user"]["name"] == "alice"; }, 10s));
  REQUIRE(ws.call(make_frame("send", "devroom", {{"text", "before restart"}})));
  REQUIRE(cli.wait_output("before restart"));
  REQUIRE(server->stop() == 0);
  server->restart();
  REQUIRE(server->port() == http_port);
  auto again = open_session(http_port, bob.token); // tokens survive restarts
  REQUIRE(again.read_type("replayed"));
  REQUIRE(again.call(make_frame("send", "devroom", {{"text", "after restart"}})));
  CHECK(cli.wait_exit() == 0); // it came back by itself and got the second message
  INFO("output: ", cli.output);
  CHECK(cli.output.find("[devroom] bob: after restart") != std::string::npos);
}

TEST_CASE("interactive: a typed line goes to the joined room, /quit exits 0") {
  cli_fixture f;
  auto bob = make_account(f.server->port(), "bob");
  make_account(f.server->port(), "alice");
  auto ws = f.member(bob, "devroom");
  cli_process cli(f.args("alice", {}));
  REQUIRE(cli.wait_output("welcome alice"));
  cli.write_line("/join devroom");
  REQUIRE(cli.wait_output("joined devroom"));
  cli.write_line("typed by hand");
  CHECK(ws.read_until([](const json& m) { return is_message_with(m, "typed by hand"); }));
  REQUIRE(ws.call(make_frame("send", "devroom", {{"text", "answer from bob"}})));
  CHECK(cli.wait_output("[devroom] bob: answer from bob"));
  cli.write_line("/dm bob psst by name");
  auto direct = ws.read_until([](const json& m) { return type_of(m) == "direct"; });
  REQUIRE(direct);
  CHECK((*direct)["body"]["text"] == "psst by name");
  CHECK((*direct)["from"]["name"] == "alice");
  cli.write_line("/rooms"); // a page of what is on offer, its own rooms in it
  CHECK(cli.wait_output("devroom (2)"));
  cli.write_line("/rooms some");
  CHECK(cli.wait_output("! usage: /rooms [all]"));
  cli.write_line("/quit");
  CHECK(cli.wait_exit() == 0);
}

TEST_CASE("over wss with --ca-file the client logs in, sends and gets what it missed") {
  test_pki pki;
  auto cert = pki.issue("server");
  server_process server{{{"tls.cert_file", cert.cert_file}, {"tls.key_file", cert.key_file}}};
  temp_dir files;
  auto password_file = files.write("password", "password123\n");
  auto args = [&](const std::string& name, std::vector<std::string> more) {
    std::vector<std::string> all{
      "--url",           "wss://127.0.0.1:" + std::to_string(server.port()),
      "--ca-file",       pki.ca_file(),
      "--name",          name,
      "--password-file", password_file,
      "--register"};
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  cli_process bob_joins(args("bob", {"--send", "vault", "bob was here"}));
  CHECK(bob_joins.wait_exit() == 0);
  cli_process alice(args("alice", {"--send", "vault", "hello over tls"}));
  CHECK(alice.wait_exit() == 0);
  INFO("alice: ", alice.output);
  CHECK(alice.output.find("sent m") != std::string::npos);
  // bob was offline: the replay over wss brings alice's message (his own
  // was acked by his --send).
  cli_process bob(args("bob", {"--listen", "vault", "--count", "1"}));
  CHECK(bob.wait_exit() == 0);
  INFO("bob: ", bob.output);
  CHECK(bob.output.find("alice: hello over tls") != std::string::npos);
  CHECK(bob.output.find("bob was here") == std::string::npos);
}

TEST_CASE("the client refuses a server whose certificate its CA did not sign, without retrying") {
  test_pki pki, other;
  auto cert = pki.issue("server");
  server_process server{{{"tls.cert_file", cert.cert_file}, {"tls.key_file", cert.key_file}}};
  temp_dir files;
  auto password_file = files.write("password", "password123\n");
  for (bool register_first : {true, false}) {
    std::vector<std::string> args{"--url",
                                  "wss://127.0.0.1:" + std::to_string(server.port()),
                                  "--ca-file",
                                  other.ca_file(),
                                  "--name",
                                  "mallory_victim",
                                  "--password-file",
                                  password_file,
                                  "--send",
                                  "room",
                                  "text"};
    if (register_first)
      args.emplace_back("--register");
    cli_process cli(args);
    auto code = cli.wait_exit(10s);
    INFO("register first: ", register_first, "; output: ", cli.output);
    CHECK(code == 1);
    CHECK(cli.output.find("certificate verify failed") != std::string::npos);
  }
}

TEST_CASE("a TLS handshake that fails for another reason than the certificate is retried") {
  // wss:// to a port that speaks plain HTTP: the handshake fails, but not
  // on a certificate, so this may be a proxy or a restart in between.
  test_pki pki;
  server_process server;
  temp_dir files;
  auto password_file = files.write("password", "password123\n");
  cli_process cli({"--url", "wss://127.0.0.1:" + std::to_string(server.port()), "--ca-file",
                   pki.ca_file(), "--name", "retry_rita", "--password-file", password_file,
                   "--listen", "room"});
  INFO("output: ", cli.output);
  CHECK(cli.wait_output("reconnecting in"));
  CHECK(cli.output.find("certificate verify failed") == std::string::npos);
  // Still trying when this test ends it (a refused certificate ends it with 1).
  CHECK(cli.wait_exit(1500ms) == -SIGKILL);
}

} // TEST_SUITE("terminal client")
