// TLS on the HTTP port ([tls] cert_file, key_file, min_version) against the
// real binary, with a throwaway CA and certificates the test makes with
// openssl: HTTPS and wss carry the API, the web client and chat; clients
// refuse an expired certificate or one for another host; garbage instead of
// a ClientHello, a plain HTTP request or a stalled handshake is dropped; the
// address cap counts sockets before their handshake; SIGHUP loads a renewed
// certificate for new connections without dropping open ones, and a bad file
// keeps the old certificate.
#include <csignal>
#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include "tests/support/poll.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tcp_client.hpp"
#include "tests/support/tls_client.hpp"

using namespace chat::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

server_process::overrides with_cert(const test_pki::cert& c, server_process::overrides more = {}) {
  more["tls.cert_file"] = c.cert_file;
  more["tls.key_file"] = c.key_file;
  return more;
}

/// Registers and logs in over HTTPS; returns the token.
std::string tls_account(std::uint16_t port, const tls_options& tls, const std::string& name) {
  json creds{{"name", name}, {"password", "password123"}};
  auto reg = https_request(port, "POST", "/register", creds.dump(), tls);
  REQUIRE_MESSAGE(reg.status == 201, reg.error, reg.body);
  auto login = https_request(port, "POST", "/login", creds.dump(), tls);
  REQUIRE_MESSAGE(login.status == 200, login.error, login.body);
  return json::parse(login.body)["token"].get<std::string>();
}

void copy_over(const std::string& from, const std::string& to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

} // namespace

TEST_SUITE("tls") {

TEST_CASE("https and wss carry the API, the web client and chat under a certificate the client "
          "checks") {
  test_pki pki;
  server_process server{with_cert(pki.issue("server"))};
  CHECK(server.output().find("listening on https://127.0.0.1:") != std::string::npos);
  auto port = server.port();
  tls_options tls{pki.ca_file()};

  auto health = https_request(port, "GET", "/healthz", "", tls);
  INFO("healthz: ", health.error, health.body);
  CHECK(health.status == 200);
  auto page = https_request(port, "GET", "/", "", tls);
  CHECK(page.status == 200);
  CHECK(page.body.find("<html") != std::string::npos);
  auto local = tls;
  local.host = "localhost"; // the certificate names both
  CHECK(https_request(port, "GET", "/healthz", "", local).status == 200);

  auto token = tls_account(port, tls, "ann_tls");
  wss_client ws;
  REQUIRE_MESSAGE(ws.connect(port, "/ws?token=" + token, tls).empty(), "wss connect");
  auto welcome = ws.read();
  REQUIRE(welcome);
  CHECK((*welcome)["type"] == "welcome");
  CHECK((*welcome)["name"] == "ann_tls");
  REQUIRE(ws.send({{"action", "join"}, {"target", "secure"}}));
  REQUIRE(ws.read_type("joined"));
  REQUIRE(ws.send({{"action", "send"}, {"target", "secure"}, {"body", {{"text", "sealed"}}}}));
  auto message = ws.read_type("message");
  REQUIRE(message);
  CHECK((*message)["body"]["text"] == "sealed");
  CHECK(ws.close() == 1000);
  CHECK(server.stop() == 0);
}

TEST_CASE("clients refuse an expired certificate and one for another host") {
  test_pki pki;
  tls_options tls{pki.ca_file()};
  {
    server_process server{with_cert(pki.issue("expired", true))};
    auto res = https_request(server.port(), "GET", "/healthz", "", tls);
    INFO("error: ", res.error);
    CHECK(res.status == 0);
    CHECK(res.error.find("certificate verify failed") != std::string::npos);
    wss_client ws;
    CHECK(ws.connect(server.port(), "/ws?token=x", tls).find("certificate verify failed")
          != std::string::npos);
  }
  {
    server_process server{with_cert(pki.issue("elsewhere", false, "chat.example.org"))};
    auto res = https_request(server.port(), "GET", "/healthz", "", tls);
    INFO("error: ", res.error);
    CHECK(res.status == 0);
    CHECK(res.error.find("certificate verify failed") != std::string::npos);
    auto named = tls;
    named.host = "chat.example.org"; // the name it was made for: accepted
    CHECK(https_request(server.port(), "GET", "/healthz", "", named).status == 200);
  }
}

TEST_CASE("plain HTTP, garbage and a stalled handshake are dropped, and the server goes on") {
  test_pki pki;
  server_process server{with_cert(pki.issue("server"), {{"limits.handshake_timeout_s", "1"}})};
  auto port = server.port();
  tls_options tls{pki.ca_file()};

  line_client plain;
  REQUIRE(plain.connect(port));
  REQUIRE(plain.send_raw("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  CHECK(plain.wait_closed(5s)); // no HTTP answer over a TLS port

  line_client garbage;
  REQUIRE(garbage.connect(port));
  // A TLS record header announcing a handshake, then no ClientHello.
  const char not_a_hello[] = "\x16\x03\x01\x00\x05garbage\x00\xff\r\n\r\n";
  REQUIRE(garbage.send_raw(std::string(not_a_hello, sizeof not_a_hello - 1)));
  CHECK(garbage.wait_closed(5s));

  line_client stalled;
  REQUIRE(stalled.connect(port)); // and says nothing
  auto start = std::chrono::steady_clock::now();
  CHECK(stalled.wait_closed(5s));
  CHECK(std::chrono::steady_clock::now() - start < 4s); // handshake_timeout_s = 1

  CHECK(https_request(port, "GET", "/healthz", "", tls).status == 200);
  CHECK(server.stop() == 0);
}

TEST_CASE("the address cap counts TLS sockets before their handshake") {
  test_pki pki;
  server_process server{with_cert(pki.issue("server"), {{"limits.max_connections_per_ip", "2"}})};
  auto port = server.port();
  tls_options tls{pki.ca_file()};
  line_client first, second; // hold two places without a handshake
  REQUIRE(first.connect(port));
  REQUIRE(second.connect(port));
  auto refused = https_request(port, "GET", "/healthz", "", tls);
  INFO(refused.error, refused.body);
  CHECK(refused.status == 503);
  CHECK(server.wait_for_output("refusing a socket", 5s));
  auto log = server.output();
  CHECK(log.find("refusing a socket") == log.rfind("refusing a socket")); // only the third
  first.shutdown_write();
  CHECK(first.wait_closed(5s));
  // The place comes back once the first socket is gone.
  CHECK(poll_until([&] { return https_request(port, "GET", "/healthz", "", tls).status == 200; },
                   5s, 100ms));
}

TEST_CASE("[tls] min_version = 1.3 refuses a TLS 1.2 client") {
  test_pki pki;
  server_process server{with_cert(pki.issue("server"), {{"tls.min_version", "1.3"}})};
  tls_options tls{pki.ca_file()};
  CHECK(https_request(server.port(), "GET", "/healthz", "", tls).status == 200);
  tls.tls12_only = true;
  auto old = https_request(server.port(), "GET", "/healthz", "", tls);
  INFO(old.error);
  CHECK(old.status == 0);
  CHECK(old.error.find("tls handshake") != std::string::npos);
}

TEST_CASE("SIGHUP loads a renewed certificate for new connections, keeps open ones, and keeps "
          "the old certificate when the new files are bad") {
  test_pki pki;
  auto first = pki.issue("first");
  auto renewed = pki.issue("renewed", false, "chat.example.org");
  temp_dir dir; // where the server reads its files, as certbot's live/ folder
  auto cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  copy_over(first.cert_file, cert);
  copy_over(first.key_file, key);
  server_process server{{{"tls.cert_file", cert}, {"tls.key_file", key}}};
  auto port = server.port();
  tls_options tls{pki.ca_file()};
  auto renamed = tls;
  renamed.host = "chat.example.org";

  auto token = tls_account(port, tls, "ann_renew");
  wss_client ws;
  REQUIRE(ws.connect(port, "/ws?token=" + token, tls).empty());
  REQUIRE(ws.read_type("replayed"));

  copy_over(renewed.cert_file, cert);
  copy_over(renewed.key_file, key);
  REQUIRE(::kill(server.pid(), SIGHUP) == 0);
  REQUIRE(server.wait_for_output("TLS certificate reloaded", 5s));
  CHECK(https_request(port, "GET", "/healthz", "", renamed).status == 200); // the new one
  CHECK(https_request(port, "GET", "/healthz", "", tls).status == 0);       // not the old
  // The socket opened before the reload goes on.
  REQUIRE(ws.send({{"action", "ping"}}));
  CHECK(ws.read_type("pong"));

  dir.write("cert.pem", "-----BEGIN CERTIFICATE-----\nnot one\n");
  REQUIRE(::kill(server.pid(), SIGHUP) == 0);
  REQUIRE(server.wait_for_output("TLS certificate not reloaded", 5s));
  CHECK(https_request(port, "GET", "/healthz", "", renamed).status == 200); // still the renewed
  CHECK(ws.close() == 1000);
  CHECK(server.stop() == 0);
}

TEST_CASE("[tls] tcp = true puts the raw TCP port under TLS, and a plain client there is dropped") {
  test_pki pki;
  std::uint16_t tcp_port = 0;
  auto server = start_with_tcp(with_cert(pki.issue("server"), {{"tls.tcp", "true"}}), tcp_port);
  REQUIRE(
    server->wait_for_output("listening on tcp://127.0.0.1:" + std::to_string(tcp_port) + " (TLS)"));
  tls_options tls{pki.ca_file()};
  auto token = tls_account(server->port(), tls, "ann_tcp_tls");

  tls_line_client c;
  REQUIRE(c.connect(tcp_port, tls).empty());
  REQUIRE(c.send({{"action", "auth"}, {"body", {{"token", token}}}}));
  auto welcome = c.read();
  REQUIRE(welcome);
  CHECK((*welcome)["type"] == "welcome");
  REQUIRE(c.send({{"action", "join"}, {"target", "lines"}, {"ref", "j"}}));
  REQUIRE(c.send({{"action", "send"}, {"target", "lines"}, {"body", {{"text", "tls line"}}}}));
  bool got = false;
  for (int i = 0; i < 10 && !got; ++i) {
    auto line = c.read();
    REQUIRE(line);
    got
      = line->is_object() && (*line)["type"] == "message" && (*line)["body"]["text"] == "tls line";
  }
  CHECK(got);

  line_client plain; // speaks JSON lines without TLS
  REQUIRE(plain.connect(tcp_port));
  REQUIRE(plain.send({{"action", "auth"}, {"body", {{"token", token}}}}));
  CHECK(plain.wait_closed(5s));
  CHECK(server->stop() == 0);
}

} // TEST_SUITE("tls")
