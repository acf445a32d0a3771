// Both request() and raw_request() end in exchange(): connect, write the bytes
// and read the response at the same time (a server may answer 413 before
// reading the whole body), all on a private io_context that is only run
// until the step is done or the deadline passes.
#include "tests/support/http_client.hpp"

#include "tests/support/io_wait.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <sstream>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace chat::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

http_response exchange(std::uint16_t port, const std::string& bytes,
                       std::chrono::milliseconds timeout) {
  http_response res;
  auto deadline = clock_type::now() + timeout;
  net::io_context ioc;
  tcp::socket sock(ioc);
  boost::system::error_code connect_ec, write_ec, read_ec;
  bool connected = false, written = false, read_done = false;
  sock.async_connect({net::ip::make_address("127.0.0.1"), port}, [&](boost::system::error_code ec) {
    connect_ec = ec;
    connected = true;
  });
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  parser.eager(true);
  if (!run_until(
        ioc, [&] { return connected; }, deadline)) {
    res.error = "connect timed out";
  } else if (connect_ec) {
    res.error = "connect: " + connect_ec.message();
  } else {
    boost::system::error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    net::async_write(sock, net::buffer(bytes), [&](boost::system::error_code ec, std::size_t) {
      write_ec = ec;
      written = true;
    });
    http::async_read(sock, buffer, parser, [&](boost::system::error_code ec, std::size_t) {
      read_ec = ec;
      read_done = true;
    });
    if (!run_until(
          ioc, [&] { return read_done; }, deadline))
      res.error = "no complete response within the timeout";
    else if (read_ec)
      res.error
        = "read: " + read_ec.message() + (write_ec ? " (write: " + write_ec.message() + ")" : "");
    if (parser.is_header_done()) {
      auto& msg = parser.get();
      res.status = static_cast<int>(msg.result_int());
      for (auto& field : msg) {
        auto name = lower(std::string(field.name_string()));
        auto& slot = res.headers[name];
        slot += (slot.empty() ? "" : ", ") + std::string(field.value());
      }
      res.body = msg.body();
    }
  }
  // Let aborted handlers run before the locals they reference go away.
  boost::system::error_code ignored;
  sock.close(ignored);
  ioc.restart();
  ioc.run_for(std::chrono::seconds(1));
  return res;
}

std::string describe(const std::string& what, const http_response& res) {
  return what + ": status " + std::to_string(res.status) + " " + res.error + " body: " + res.body;
}

} // namespace

nlohmann::json http_response::json() const {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

std::string http_response::header(const std::string& name) const {
  auto i = headers.find(lower(name));
  return i == headers.end() ? std::string() : i->second;
}

http_response request(std::uint16_t port, const std::string& method, const std::string& target,
                      const std::string& body, const header_map& headers,
                      std::chrono::milliseconds timeout) {
  http::request<http::string_body> req;
  auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown)
    req.method_string(method);
  else
    req.method(verb);
  req.target(target);
  req.version(11);
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.body() = body;
  req.prepare_payload();
  for (auto& [name, value] : headers)
    req.set(name, value);
  std::ostringstream out;
  out << req;
  return exchange(port, out.str(), timeout);
}

http_response raw_request(std::uint16_t port, const std::string& bytes,
                          std::chrono::milliseconds timeout) {
  return exchange(port, bytes, timeout);
}

header_map bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

std::string register_user(std::uint16_t port, const std::string& name, const std::string& password,
                          const nlohmann::json& extra) {
  nlohmann::json body = extra;
  body["name"] = name;
  body["password"] = password;
  auto res = request(port, "POST", "/register", body.dump());
  auto json = res.json();
  if (res.status != 201 || !json.is_object() || !json.contains("user_id")
      || !json["user_id"].is_string())
    throw std::runtime_error(describe("register " + name, res));
  return json["user_id"].get<std::string>();
}

std::string login(std::uint16_t port, const std::string& name, const std::string& password,
                  const nlohmann::json& extra) {
  nlohmann::json body = extra;
  body["name"] = name;
  body["password"] = password;
  auto res = request(port, "POST", "/login", body.dump());
  auto json = res.json();
  if (res.status != 200 || !json.is_object() || !json.contains("token")
      || !json["token"].is_string())
    throw std::runtime_error(describe("login " + name, res));
  return json["token"].get<std::string>();
}

account make_account(std::uint16_t port, const std::string& name, const std::string& password) {
  account acc;
  acc.name = name;
  acc.password = password;
  acc.user_id = register_user(port, name, password);
  acc.token = login(port, name, password);
  return acc;
}

std::map<std::string, double> scrape_metrics(std::uint16_t port) {
  std::map<std::string, double> out;
  auto res = request(port, "GET", "/metrics");
  if (res.status != 200)
    return out;
  std::istringstream in(res.body);
  std::string line;
  while (std::getline(in, line)) {
    auto space = line.rfind(' ');
    if (line.empty() || line[0] == '#' || space == std::string::npos)
      continue;
    out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

double metric(std::uint16_t port, const std::string& name) {
  auto all = scrape_metrics(port);
  auto it = all.find(name);
  return it == all.end() ? -1 : it->second;
}

} // namespace chat::test
