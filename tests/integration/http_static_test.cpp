// Static files and routing of the real server: GET / serves web/index.html,
// files come from web_root, and no request escapes web_root (dot-dot, encoded
// dot-dot, backslashes, absolute paths, NUL bytes): those get 400 or 404 and
// never file content. Unknown paths get 404, wrong methods on API paths 405,
// /healthz 200.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"

using namespace chat::test;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string raw_get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

void check_json_error(const http_response& res, int status) {
  INFO("body: ", res.body, " ", res.error);
  CHECK(res.status == status);
  auto body = res.json();
  CHECK((body.is_object() && body.contains("error") && body["error"].is_string()));
}

/// Requests every target raw; each must get 400 or 404 without `marker`.
void check_no_escape(std::uint16_t port, const std::vector<std::string>& targets,
                     const std::string& marker) {
  for (auto& target : targets) {
    std::string shown; // NUL bytes made visible
    for (char c : target)
      shown += c == '\0' ? std::string("\\0") : std::string(1, c);
    INFO("target: ", shown);
    auto res = raw_request(port, raw_get(target));
    CHECK_MESSAGE((res.status == 400 || res.status == 404), "status ", res.status, " ", res.error);
    CHECK(res.body.find(marker) == std::string::npos);
    CHECK(res.body.find("root:x:") == std::string::npos);
  }
}

} // namespace

TEST_SUITE("http static files and routing") {

TEST_CASE("GET / serves web/index.html as text/html") {
  server_process server;
  auto res = request(server.port(), "GET", "/");
  CHECK(res.status == 200);
  CHECK(res.header("content-type").rfind("text/html", 0) == 0);
  auto expected = read_file(CHAT_SOURCE_DIR "/web/index.html");
  CHECK(!expected.empty());
  CHECK(res.body == expected);
}

TEST_CASE("static files are served from web_root") {
  temp_dir www;
  www.write("index.html", "<!doctype html><title>t</title>hello");
  www.write("app.js", "console.log('js');\n");
  www.write("style.css", "body { color: red; }\n");
  www.write("sub/page.txt", "nested page\n");
  server_process server{{{"server.web_root", www.path()}}};
  auto port = server.port();
  auto index = request(port, "GET", "/");
  CHECK(index.status == 200);
  CHECK(index.body == "<!doctype html><title>t</title>hello");
  CHECK(request(port, "GET", "/index.html").body == index.body);
  auto js = request(port, "GET", "/app.js");
  CHECK(js.status == 200);
  CHECK(js.body == "console.log('js');\n");
  CHECK(js.header("content-type").find("javascript") != std::string::npos);
  auto css = request(port, "GET", "/style.css");
  CHECK(css.status == 200);
  CHECK(css.header("content-type").rfind("text/css", 0) == 0);
  auto nested = request(port, "GET", "/sub/page.txt");
  CHECK(nested.status == 200);
  CHECK(nested.body == "nested page\n");
  CHECK(request(port, "GET", "/missing.js").status == 404);
}

TEST_CASE("no request escapes web_root") {
  temp_dir root;
  root.write("www/index.html", "index");
  auto secret = root.write("secret.txt", "TOP-SECRET-MARKER");
  server_process server{{{"server.web_root", root.path() + "/www"}}};
  std::vector<std::string> targets{
    "/../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E/secret.txt",
    "/..%2fsecret.txt",
    "/%2e%2e%2fsecret.txt",
    "/.%2e/secret.txt",
    "/..%5csecret.txt",
    "/..\\secret.txt",
    "/sub/../../secret.txt",
    "/./../secret.txt",
    "/" + secret,
    "//" + secret.substr(1),
    "/%2f" + secret.substr(1),
    "/../../../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "../secret.txt",
    "/../secret.txt%00",
    "/../secret.txt%00.html",
    std::string("/../secret.txt\0", 15),
    std::string("/index.html\0/../../secret.txt", 29),
  };
  check_no_escape(server.port(), targets, "TOP-SECRET-MARKER");
  // The server still works afterwards.
  CHECK(request(server.port(), "GET", "/index.html").status == 200);
}

TEST_CASE("no request reaches the repository's config through the default web_root") {
  server_process server;
  check_no_escape(server.port(),
                  {"/../config/server.ini", "/%2e%2e/config/server.ini", "/..%2fconfig/server.ini",
                   "/%2e%2e%2fconfig%2fserver.ini",
                   std::string(CHAT_SOURCE_DIR) + "/config/server.ini",
                   "/" + std::string(CHAT_SOURCE_DIR) + "/config/server.ini",
                   "/%2f" + std::string(CHAT_SOURCE_DIR) + "/config/server.ini",
                   std::string("/../config/server.ini\0", 22)},
                  "[server]");
}

TEST_CASE("GET /healthz answers 200") {
  server_process server;
  CHECK(request(server.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("unknown paths answer 404") {
  server_process server;
  check_json_error(request(server.port(), "GET", "/no/such/thing"), 404);
  check_json_error(request(server.port(), "GET", "/api/register"), 404);
  check_json_error(request(server.port(), "POST", "/nope", "{}"), 404);
}

TEST_CASE("a wrong method on an API path answers 405") {
  server_process server;
  auto port = server.port();
  check_json_error(request(port, "GET", "/register"), 405);
  check_json_error(request(port, "PUT", "/register", "{}"), 405);
  check_json_error(request(port, "GET", "/login"), 405);
  check_json_error(request(port, "DELETE", "/login"), 405);
  check_json_error(request(port, "GET", "/logout"), 405);
  check_json_error(request(port, "POST", "/history?room=x&page=0", "{}"), 405);
}

} // TEST_SUITE("http static files and routing")
