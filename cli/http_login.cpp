// Blocking Beast HTTP for /login and /register; see http_login.hpp.
#include "cli/http_login.hpp"

#include <chrono>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace chat::cli {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

http_answer post_credentials(const endpoint& ep, const std::string& target, const std::string& name,
                             const std::string& password) {
  // Its own io_context, run until the exchange ends or 10 s pass.
  http_answer answer;
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  tcp::resolver resolver(ioc);
  http::request<http::string_body> req{http::verb::post, target, 11};
  req.set(http::field::host, ep.host + ":" + std::to_string(ep.port));
  req.set(http::field::content_type, "application/json");
  req.body() = nlohmann::json{{"name", name}, {"password", password}}.dump();
  req.prepare_payload();
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  auto fail = [&](beast::error_code ec, const char* what) {
    answer.error = std::string(what) + ": " + ec.message();
  };
  stream.expires_after(std::chrono::seconds(10));
  resolver.async_resolve(ep.host, std::to_string(ep.port),
                         [&](beast::error_code ec, const tcp::resolver::results_type& r) {
                           if (ec)
                             return fail(ec, "resolve");
                           stream.async_connect(r, [&](beast::error_code ec, const tcp::endpoint&) {
                             if (ec)
                               return fail(ec, "connect");
                             http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
                               if (ec)
                                 return fail(ec, "write");
                               http::async_read(
                                 stream, buf, res, [&](beast::error_code ec, std::size_t) {
                                   if (ec)
                                     return fail(ec, "read");
                                   answer.status = static_cast<int>(res.result_int());
                                   answer.body = res.body();
                                 });
                             });
                           });
                         });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return answer;
}

std::string login(const endpoint& ep, const std::string& name, const std::string& password,
                  int& status, std::string& error) {
  auto answer = post_credentials(ep, "/login", name, password);
  status = answer.status;
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
