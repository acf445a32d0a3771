// Tests for config/server_config: the shipped server.ini, how values are read
// (comments, empty values, relative paths), and the errors and warnings a
// person editing the file gets back.
#include "config/server_config.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// A scratch folder for config files, removed afterwards.
struct temp_dir_fixture {
  fs::path dir;

  temp_dir_fixture() {
    std::random_device rd;
    dir = fs::temp_directory_path()
          / ("chat-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(dir);
  }

  ~temp_dir_fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  fs::path write(const std::string& name, const std::string& text) {
    auto path = dir / name;
    fs::create_directories(path.parent_path());
    std::ofstream{path} << text;
    return path;
  }
};

fs::path repo_root() {
  // From CMake: __FILE__ may be relative (ccache rewrites paths).
  return fs::path(CHAT_SOURCE_DIR);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

chat::config_result parse(const std::string& text) {
  return chat::parse_config(text, "/base/dir");
}

} // namespace

TEST_SUITE("config") {

TEST_CASE("the shipped server.ini sets every key to its default") {
  // The defaults are common/defaults.hpp's; documented_defaults_test.cpp
  // checks how the file spells them, this that the parser reads the same.
  auto root = repo_root().lexically_normal();
  auto res = chat::load_config((root / "config/server.ini").string());
  REQUIRE_MESSAGE(res.ok(), res.error());
  CHECK(res.warnings.empty());
  auto empty = chat::parse_config("", (root / "config").string());
  REQUIRE(empty.ok());
  auto shipped = chat::config_entries(res.config);
  auto defaults = chat::config_entries(empty.config);
  REQUIRE(shipped.size() == defaults.size());
  for (std::size_t i = 0; i < shipped.size(); ++i) {
    CAPTURE(shipped[i].section);
    CAPTURE(shipped[i].name);
    CHECK(shipped[i].value == defaults[i].value);
  }
  // From the repository root, scripts/run serves ./web and stores in ./data.
  CHECK(res.config.web_root == (root / "web").string());
  CHECK(res.config.storage_path == (root / "data/chat.db").string());
  CHECK(fs::path(res.config.web_root).is_absolute());
  CHECK(fs::path(res.config.storage_path).is_absolute());
}

TEST_CASE("an empty config gives the struct defaults with resolved paths") {
  auto res = parse("");
  REQUIRE(res.ok());
  CHECK(res.warnings.empty());
  CHECK(res.config.bind == chat::defaults::bind);
  CHECK(res.config.http_port == chat::defaults::http_port);
  // The default paths are relative to the config's folder like any other.
  CHECK(res.config.web_root == "/base/web");
  CHECK(res.config.storage_path == "/base/data/chat.db");
}

TEST_CASE("inline comments are dropped and empty values are kept empty") {
  auto res = parse("; a comment line\n"
                   "# another\n"
                   "[server]\n"
                   "bind = 0.0.0.0 ; listen everywhere\n"
                   "http_port = 0\t; pick a free port\n"
                   "[auth]\n"
                   "server_password =       ; empty = none\n"
                   "[limits]\n"
                   "  burst   =   7  \n");
  REQUIRE_MESSAGE(res.ok(), res.error());
  CHECK(res.warnings.empty());
  CHECK(res.config.bind == "0.0.0.0");
  CHECK(res.config.http_port == 0);
  CHECK(res.config.server_password.empty());
  CHECK(res.config.burst == 7);
}

TEST_CASE("a semicolon or # inside a value without whitespace before it is kept") {
  auto res = parse("[auth]\nserver_password = s3;cr#t\n");
  REQUIRE(res.ok());
  CHECK(res.config.server_password == "s3;cr#t");
}

TEST_CASE("relative paths resolve against the base folder, lexically") {
  auto res = parse("[server]\nweb_root = ./static/../www/\n"
                   "[storage]\npath = ../db/chat.db\n");
  REQUIRE(res.ok());
  CHECK(res.config.web_root == "/base/dir/www");
  CHECK(res.config.storage_path == "/base/db/chat.db");

  auto abs = parse("[server]\nweb_root = /srv//web\n[storage]\npath = /var/chat.db\n");
  REQUIRE(abs.ok());
  CHECK(abs.config.web_root == "/srv/web");
  CHECK(abs.config.storage_path == "/var/chat.db");
}

TEST_CASE_FIXTURE(temp_dir_fixture, "load_config resolves paths against the file's folder") {
  auto file = write("etc/chat.ini", "[storage]\npath = state/chat.db\n");
  auto res = chat::load_config(file.string());
  REQUIRE_MESSAGE(res.ok(), res.error());
  CHECK(res.config.storage_path == (dir / "etc/state/chat.db").string());
  CHECK(res.config.web_root == (dir / "web").string()); // the default, ../web
}

TEST_CASE("unknown keys and sections give warnings but load") {
  auto res = parse("stray = 1\n"
                   "[server]\nfoo = 1\nhttp_port = 81\n"
                   "[extras]\na = 1\nb = 2\n");
  REQUIRE_MESSAGE(res.ok(), res.error());
  CHECK(res.config.http_port == 81);
  REQUIRE(res.warnings.size() == 3);
  CHECK(res.warnings[0] == "unknown key stray before any [section] (ignored)");
  CHECK(res.warnings[1] == "unknown key [server] foo (ignored)");
  CHECK(res.warnings[2] == "unknown section [extras] (ignored)");
}

TEST_CASE("each kind of bad value is an error naming section and key") {
  struct bad_case {
    const char* text;
    const char* expected;
  };
  const bad_case cases[] = {
    {"[limits]\nburst = abc\n",
     "bad value for [limits] burst: 'abc' (expected a positive integer)"},
    {"[limits]\nburst = 0\n", "[limits] burst: '0'"},
    {"[limits]\nburst = -3\n", "[limits] burst: '-3'"},
    {"[limits]\nburst = 12abc\n", "[limits] burst: '12abc'"},
    {"[limits]\nburst = 1.5\n", "[limits] burst: '1.5'"},
    {"[limits]\nburst = 99999999999999999999\n", "[limits] burst:"},
    {"[limits]\nburst =\n", "[limits] burst: ''"},
    {"[server]\nhttp_port = 65536\n",
     "[server] http_port: '65536' (expected an integer from 0 to 65535)"},
    {"[server]\ntcp_port = -1\n", "[server] tcp_port: '-1'"},
    {"[server]\nbind =\n", "[server] bind: '' (expected a non-empty string)"},
    {"[server]\nweb_root = ; none\n", "[server] web_root: '' (expected a path)"},
    {"[server]\nio_threads = 0\n", "[server] io_threads: '0'"},
    {"[server]\nactor_threads = 65\n", "[server] actor_threads: '65'"},
    {"[storage]\ncommit_window_ms = 1001\n", "[storage] commit_window_ms"},
    {"[storage]\ncommit_window_ms = -1\n", "[storage] commit_window_ms"},
    {"[storage]\nbatch_max = 0\n", "[storage] batch_max: '0'"},
    {"[storage]\npath =\n", "[storage] path: ''"},
    {"[auth]\ntoken_ttl_s = 0\n", "[auth] token_ttl_s: '0'"},
    {"[auth]\nhash_ops = 0\n", "[auth] hash_ops: '0'"},
    {"[auth]\nhash_mem_kib = 7\n", "[auth] hash_mem_kib: '7' (expected an integer from 8 to"},
    {"[auth]\nhash_threads = 0\n", "[auth] hash_threads: '0'"},
    {"[auth]\nhash_queue_max = 0\n", "[auth] hash_queue_max: '0'"},
    {"[delivery]\nack_timeout_s = 0\n", "[delivery] ack_timeout_s: '0'"},
    {"[delivery]\nbacklog_max = x\n", "[delivery] backlog_max: 'x'"},
    {"[limits]\nmax_frame_bytes = 63\n",
     "[limits] max_frame_bytes: '63' (expected an integer >= 64)"},
    {"[limits]\nmax_body_bytes = 10\n", "[limits] max_body_bytes: '10'"},
    {"[limits]\nwrite_queue_max = 0\n", "[limits] write_queue_max: '0'"},
    {"[limits]\nrequest_timeout_ms = 0\n", "[limits] request_timeout_ms"},
    {"[limits]\nhandshake_timeout_s = 0\n", "[limits] handshake_timeout_s"},
    {"[limits]\nidle_timeout_s = 0\n", "[limits] idle_timeout_s: '0'"},
    {"[limits]\nmessages_per_second = 0\n", "[limits] messages_per_second"},
    {"[limits]\nmax_connections = 0\n", "[limits] max_connections: '0'"},
    {"[limits]\nmax_connections_per_ip = 0\n", "[limits] max_connections_per_ip: '0'"},
    {"[limits]\nhttp_timeout_s = 0\n", "[limits] http_timeout_s: '0'"},
    {"[limits]\nrate_limit_close_after = -1\n", "[limits] rate_limit_close_after"},
    {"[limits]\nlogins_per_minute_per_name = 0\n", "[limits] logins_per_minute_per_name"},
    {"[log]\nlevel = loud\n", "[log] level: 'loud' (expected debug, info, warn or error)"},
    {"[limits]\ndefault_max_members = 4294967296\n", "[limits] default_max_members: '4294967296'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto res = parse(c.text);
    CHECK_FALSE(res.ok());
    CHECK_MESSAGE(contains(res.error(), c.expected), res.error());
  }
}

TEST_CASE("the first bad value is the one reported, and every problem is listed") {
  auto res = parse("[server]\nhttp_port = x\nbind = a\nbind = b\n[limits]\nburst = y\n");
  CHECK(contains(res.error(), "[server] http_port"));
  REQUIRE(res.errors.size() == 3);
  CHECK(res.errors[0] == res.error());
  CHECK(contains(res.errors[1], "[server] bind is set twice"));
  CHECK(contains(res.errors[2], "[limits] burst: 'y'"));
}

TEST_CASE("overrides win over the file, with the file's checks") {
  using entries = std::vector<chat::config_entry>;
  auto res = chat::parse_config("[server]\nhttp_port = 8080\nbind = 127.0.0.1\n", "/base",
                                entries{{"server", "http_port", "9000"},
                                        {"server", "bind", "127.0.0.2"},
                                        {"server", "http_port", "9001"}});
  REQUIRE(res.ok());
  CHECK(res.config.http_port == 9001); // the last one given wins
  CHECK(res.config.bind == "127.0.0.2");

  auto bad = chat::parse_config("", "/base",
                                entries{{"server", "tcp_port", "70000"}, {"storage", "nope", "1"}});
  REQUIRE(bad.errors.size() == 2);
  CHECK(contains(bad.errors[0], "bad value for [server] tcp_port: '70000'"));
  CHECK(contains(bad.errors[1], "no such setting [storage] nope"));
}

TEST_CASE("an override's relative path resolves against the working directory") {
  using entries = std::vector<chat::config_entry>;
  auto res = chat::parse_config("[storage]\npath = file.db\n", "/base",
                                entries{{"storage", "path", "data/./chat.db"}});
  REQUIRE(res.ok());
  CHECK(res.config.storage_path == (fs::current_path() / "data/chat.db").string());
  CHECK(res.config.web_root == "/web"); // not overridden: ../web from the file's folder
}

TEST_CASE("a postgres url may come from an override instead of the file") {
  auto missing = parse("[storage]\nbackend = postgres\n");
  CHECK(contains(missing.error(), "needs [storage] url"));
  auto given = chat::parse_config("[storage]\nbackend = postgres\n", "/base",
                                  {{"storage", "url", "host=/tmp dbname=chat"}});
  REQUIRE(given.ok());
  CHECK(given.config.storage_url == "host=/tmp dbname=chat");
}

TEST_CASE("a syntax error names its line") {
  auto res = parse("[server]\nbind = 127.0.0.1\nthis line has no equals sign\n");
  CHECK_FALSE(res.ok());
  CHECK(contains(res.error(), "line 3"));

  auto section = parse("\n[server\nbind = x\n");
  CHECK(contains(section.error(), "line 2"));
}

TEST_CASE("a key set twice or continued by an indented line is an error") {
  auto twice = parse("[server]\nbind = a\nbind = b\n");
  CHECK(contains(twice.error(), "[server] bind is set twice"));
  auto indented = parse("[server]\nbind = a\n  http_port = 80\n");
  CHECK(contains(indented.error(), "[server] bind is set twice"));
}

TEST_CASE("a line too long for inih is an error, not a silent cut") {
  auto res = parse("[auth]\nserver_password = " + std::string(300, 'x') + "\n");
  CHECK(contains(res.error(), "line 2"));
  CHECK(contains(res.error(), "too long"));
}

TEST_CASE_FIXTURE(temp_dir_fixture, "a missing or unreadable file is an error") {
  auto missing = (dir / "nope.ini").string();
  auto res = chat::load_config(missing);
  CHECK_FALSE(res.ok());
  CHECK(contains(res.error(), "cannot read config file " + missing));

  auto folder = chat::load_config(dir.string());
  CHECK(contains(folder.error(), "cannot read config file " + dir.string()));
}

TEST_CASE("[tls] is off by default, its files resolve like other paths and go together") {
  auto none = parse("");
  REQUIRE(none.ok());
  CHECK_FALSE(none.config.tls());
  CHECK(none.config.tls_min_version == "1.2");

  auto on = parse(
    "[tls]\ncert_file = certs/chain.pem\nkey_file = /etc/k.pem\nmin_version = 1.3\ntcp = true\n");
  REQUIRE(on.ok());
  CHECK(on.config.tls());
  CHECK(on.config.tls_cert_file == "/base/dir/certs/chain.pem");
  CHECK(on.config.tls_key_file == "/etc/k.pem");
  CHECK(on.config.tls_min_version == "1.3");
  CHECK(on.config.tls_tcp);

  CHECK(
    contains(parse("[tls]\ncert_file = c.pem\n").error(), "cert_file and key_file go together"));
  CHECK(contains(parse("[tls]\nmin_version = 1.1\n").error(), "(expected 1.2 or 1.3)"));
  CHECK(contains(parse("[tls]\ntcp = true\n").error(), "tcp = true needs"));
  CHECK(contains(parse("[tls]\ntcp = yes\n").error(), "(expected true or false)"));
}

TEST_CASE("synchronous = full sets the flag, and other values are errors") {
  auto full = parse("[storage]\nsynchronous = full   ; power-loss safe\n");
  REQUIRE(full.ok());
  CHECK(full.config.synchronous_full);

  auto normal = parse("[storage]\nsynchronous = normal\n");
  REQUIRE(normal.ok());
  CHECK_FALSE(normal.config.synchronous_full);

  auto bad = parse("[storage]\nsynchronous = off\n");
  CHECK(contains(bad.error(), "bad value for [storage] synchronous: 'off' (expected normal "
                              "or full)"));
}

} // TEST_SUITE("config")
