// Blocking Beast HTTP for /login and /register; see http_login.hpp.
#include "cli/http_login.hpp"

#include <chrono>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "cli/tls.hpp"

namespace chat::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// Resolve, connect, (TLS handshake,) write, read: run on `ioc` until done
// or the stream's 10 s expire. `handshake(then)` is the TLS step or none.
template <class Stream, class Handshake>
void exchange(net::io_context& ioc, Stream& stream, const endpoint& ep, Handshake handshake,
              http::request<http::string_body>& req, http_answer& answer) {
  tcp::resolver resolver(ioc);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  auto fail = [&](beast::error_code ec, const char* what) {
    answer.error = std::string(what) + ": " + ec.message();
  };
  auto& tcp_layer = beast::get_lowest_layer(stream);
  tcp_layer.expires_after(std::chrono::seconds(10));
  resolver.async_resolve(
    ep.host, std::to_string(ep.port),
    [&](beast::error_code ec, const tcp::resolver::results_type& r) {
      if (ec)
        return fail(ec, "resolve");
      tcp_layer.async_connect(r, [&](beast::error_code ec, const tcp::endpoint&) {
        if (ec)
          return fail(ec, "connect");
        handshake([&](beast::error_code ec) {
          if (ec) {
            answer.untrusted = certificate_refused(ec);
            return fail(ec, "tls handshake");
          }
          http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
            if (ec)
              return fail(ec, "write");
            http::async_read(stream, buf, res, [&](beast::error_code ec, std::size_t) {
              if (ec)
                return fail(ec, "read");
              answer.status = static_cast<int>(res.result_int());
              answer.body = res.body();
            });
          });
        });
      });
    });
  ioc.run();
  beast::error_code ignored;
  tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

} // namespace

http_answer post_credentials(const endpoint& ep, const std::string& target, const std::string& name,
                             const std::string& password) {
  // Its own io_context, run until the exchange ends or 10 s pass.
  http_answer answer;
  net::io_context ioc;
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, ep.host + ":" + std::to_string(ep.port));
  req.set(http::field::content_type, "application/json");
  req.body() = nlohmann::json{{"name", name}, {"password", password}}.dump();
  req.prepare_payload();
  if (!ep.tls) {
    beast::tcp_stream stream(ioc);
    exchange(
      ioc, stream, ep, [](auto then) { then(beast::error_code{}); }, req, answer);
    return answer;
  }
  auto ctx = tls_context(ep, answer.error);
  if (!ctx)
    return answer;
  net::ssl::stream<beast::tcp_stream> stream(ioc, *ctx);
  expect_host(stream, ep);
  exchange(
    ioc, stream, ep,
    [&stream](auto then) { stream.async_handshake(net::ssl::stream_base::client, then); }, req,
    answer);
  return answer;
}

std::string login(const endpoint& ep, const std::string& name, const std::string& password,
                  http_answer& answer, std::string& error) {
  answer = post_credentials(ep, "/login", name, password);
  auto body = nlohmann::json::parse(answer.body, nullptr, false);
  if (answer.status == 200 && body.is_object() && body.contains("token")
      && body["token"].is_string())
    return body["token"].get<std::string>();
  error = answer.status == 0 ? answer.error
          : body.is_object() && body.contains("error")
            ? "HTTP " + std::to_string(answer.status) + ": " + body["error"].dump()
            : "HTTP " + std::to_string(answer.status);
  return "";
}

} // namespace chat::cli
