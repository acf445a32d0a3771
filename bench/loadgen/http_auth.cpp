// Account creation over Beast HTTP with keep-alive workers; see http_auth.hpp.
#include "bench/loadgen/http_auth.hpp"

#include <chrono>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "bench/loadgen/frame_scan.hpp"

namespace bench {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {
constexpr int max_attempts = 5;                             // per request, for resets and 503
constexpr auto retry_delay = std::chrono::milliseconds(50); // 503: the hash pool is full
constexpr auto request_timeout = std::chrono::seconds(15);
} // namespace

struct http_auth::worker {
  http_auth& owner;
  beast::tcp_stream stream;
  net::steady_timer retry_timer;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
  std::size_t user = 0;
  bool logging_in = false; // false: registering
  int attempts = 0;
  bool connected = false;

  explicit worker(http_auth& o) : owner(o), stream(o.ioc_), retry_timer(o.ioc_) {}

  void next_user() {
    if (owner.next_ >= owner.accounts_->size()) {
      error_code ignored;
      stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
      stream.close();
      --owner.active_workers_;
      return;
    }
    user = owner.next_++;
    logging_in = false;
    attempts = 0;
    send();
  }

  void send() {
    if (!connected) {
      stream.expires_after(request_timeout);
      stream.async_connect(owner.server_, [this](const error_code& ec) {
        if (ec)
          return retry("connect: " + ec.message());
        error_code opt_ec; // best effort: only setup speed depends on it
        stream.socket().set_option(net::ip::tcp::no_delay(true), opt_ec);
        connected = true;
        send();
      });
      return;
    }
    const auto& acc = (*owner.accounts_)[user];
    req = {};
    req.method(http::verb::post);
    req.target(logging_in ? "/login" : "/register");
    req.version(11);
    req.set(http::field::host, owner.server_.address().to_string());
    req.set(http::field::content_type, "application/json");
    req.keep_alive(true);
    // Names are [A-Za-z0-9-] and the password is plain ASCII: no escaping needed.
    req.body() = R"({"name":")" + acc.name + R"(","password":")" + owner.password_ + "\"}";
    req.prepare_payload();
    stream.expires_after(request_timeout);
    http::async_write(stream, req, [this](const error_code& ec, std::size_t) {
      if (ec)
        return retry("write: " + ec.message());
      res = {};
      http::async_read(stream, buffer, res,
                       [this](const error_code& ec, std::size_t) { on_response(ec); });
    });
  }

  void on_response(const error_code& ec) {
    if (ec)
      return retry("read: " + ec.message());
    if (!res.keep_alive())
      drop_connection();
    const auto status = res.result_int();
    if (status == 503)
      return retry("HTTP 503");
    auto& acc = (*owner.accounts_)[user];
    if (!logging_in && (status == 201 || status == 409)) { // 409: ours from a retried request
      logging_in = true;
      attempts = 0;
      return send();
    }
    if (logging_in && status == 200) {
      acc.token = std::string(string_field(res.body(), "token"));
      if (!acc.token.empty()) {
        ++owner.logged_in_;
        return next_user();
      }
    }
    give_up((logging_in ? "login " : "register ") + acc.name + ": HTTP " + std::to_string(status)
            + " " + res.body());
  }

  void drop_connection() {
    error_code ignored;
    stream.socket().close(ignored);
    connected = false;
    buffer.clear();
  }

  void retry(const std::string& why) {
    drop_connection();
    if (++attempts >= max_attempts)
      return give_up(why);
    retry_timer.expires_after(retry_delay);
    retry_timer.async_wait([this](const error_code& ec) {
      if (!ec)
        send();
    });
  }

  void give_up(const std::string& why) {
    ++owner.failed_;
    if (owner.first_error_.empty())
      owner.first_error_ = why;
    next_user();
  }
};

http_auth::http_auth(net::io_context& ioc, net::ip::tcp::endpoint server, std::string password,
                     int concurrency)
  : ioc_(ioc),
    server_(std::move(server)),
    password_(std::move(password)),
    concurrency_(concurrency) {
}

http_auth::~http_auth() = default;

void http_auth::start(std::vector<account>& accounts) {
  accounts_ = &accounts;
  next_ = 0;
  const auto n = std::min<std::size_t>(static_cast<std::size_t>(concurrency_), accounts.size());
  for (std::size_t i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<worker>(*this));
    ++active_workers_;
  }
  for (std::size_t i = 0; i < n; ++i)
    workers_[i]->next_user();
}

} // namespace bench
