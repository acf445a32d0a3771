#include "tests/support/tls_client.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "tests/support/io_wait.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test {

namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = net::ip::tcp;

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0)
    throw std::runtime_error("failed: " + command);
}

std::string shell_word(const std::string& s) {
  return "'" + s + "'";
}

// Runs one asynchronous operation on `ioc` until it completes or `timeout`
// passes; then it is cancelled (a blocking call would not give up: Asio
// waits again after SO_RCVTIMEO). `start(done)` starts it with a completion
// handler done(ec, bytes). The operation's error, or timed_out.
template <class Start>
beast::error_code run_for(net::io_context& ioc, tcp::socket& socket,
                          std::chrono::milliseconds timeout, Start start,
                          std::size_t* bytes = nullptr) {
  std::optional<beast::error_code> result;
  start([&](beast::error_code ec, std::size_t n = 0) {
    result = ec;
    if (bytes)
      *bytes = n;
  });
  auto finished = [&] { return result.has_value(); };
  if (run_until(ioc, finished, std::chrono::steady_clock::now() + timeout))
    return *result;
  beast::error_code ignored;
  socket.cancel(ignored);
  run_until(ioc, finished, std::chrono::steady_clock::now() + std::chrono::seconds(1));
  return net::error::timed_out;
}

// A client context that checks what a browser checks.
std::unique_ptr<ssl::context> client_context(const tls_options& o) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  ctx->set_verify_mode(ssl::verify_peer);
  ctx->load_verify_file(o.ca_file);
  if (o.tls12_only)
    SSL_CTX_set_max_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  return ctx;
}

// Connects and completes the TLS handshake; "" or what failed.
std::string open_tls(ssl::stream<tcp::socket>& stream, std::uint16_t port, const tls_options& o) {
  beast::error_code ec;
  auto& socket = stream.next_layer();
  socket.connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec)
    return "connect: " + ec.message();
  SSL_set_tlsext_host_name(stream.native_handle(), o.host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(o.host));
  auto& ioc = static_cast<net::io_context&>(socket.get_executor().context());
  ec = run_for(ioc, socket, o.timeout, [&](auto done) {
    stream.async_handshake(ssl::stream_base::client,
                           [done](beast::error_code e) mutable { done(e); });
  });
  if (ec)
    return "tls handshake: " + ec.message();
  return {};
}

} // namespace

// -- test_pki -------------------------------------------------------------------

test_pki::test_pki() : ca_file_(dir_.path() + "/ca.pem"), ca_key_(dir_.path() + "/ca.key") {
  run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=chat-actors test CA' -keyout "
      + shell_word(ca_key_) + " -out " + shell_word(ca_file_));
}

test_pki::cert test_pki::issue(const std::string& name, bool expired,
                               const std::string& host) const {
  auto base = dir_.path() + "/" + name;
  cert c{base + ".pem", base + ".key"};
  auto names = host.empty() ? "IP:127.0.0.1,DNS:localhost" : "DNS:" + host;
  dir_.write(name + ".ext", "subjectAltName=" + names + "\n");
  run("openssl req -newkey rsa:2048 -nodes -subj '/CN=" + (host.empty() ? "127.0.0.1" : host)
      + "' -keyout " + shell_word(c.key_file) + " -out " + shell_word(base + ".csr"));
  // An expired one: valid until a day before it was made (OpenSSL 3.0 takes
  // a negative -days).
  auto dates = expired ? " -days -1" : " -days 2";
  run("openssl x509 -req -in " + shell_word(base + ".csr") + " -CA " + shell_word(ca_file_)
      + " -CAkey " + shell_word(ca_key_) + " -CAcreateserial -extfile " + shell_word(base + ".ext")
      + dates + " -out " + shell_word(base + ".leaf"));
  // The chain: the certificate, then the CA's.
  std::ofstream chain(c.cert_file, std::ios::binary);
  for (const auto& part : {base + ".leaf", ca_file_})
    chain << std::ifstream(part, std::ios::binary).rdbuf();
  return c;
}

// -- https_request ----------------------------------------------------------------

https_response https_request(std::uint16_t port, const std::string& method,
                             const std::string& target, const std::string& body,
                             const tls_options& tls) {
  https_response out;
  try {
    net::io_context ioc;
    auto ctx = client_context(tls);
    ssl::stream<tcp::socket> stream(ioc, *ctx);
    if (out.error = open_tls(stream, port, tls); !out.error.empty())
      return out;
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, tls.host);
    req.body() = body;
    req.prepare_payload();
    req.keep_alive(false);
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    auto ec = run_for(ioc, stream.next_layer(), tls.timeout,
                      [&](auto done) { http::async_read(stream, buffer, res, done); });
    if (ec) {
      out.error = "read: " + ec.message();
      return out;
    }
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

// -- tls_line_client --------------------------------------------------------------

struct tls_line_client::impl {
  net::io_context ioc;
  std::unique_ptr<ssl::context> ctx;
  std::unique_ptr<ssl::stream<tcp::socket>> stream;
  std::string buffer;
};

tls_line_client::tls_line_client() : impl_(std::make_unique<impl>()) {
}

tls_line_client::~tls_line_client() = default;

std::string tls_line_client::connect(std::uint16_t port, const tls_options& tls) {
  try {
    impl_->ctx = client_context(tls);
    impl_->stream = std::make_unique<ssl::stream<tcp::socket>>(impl_->ioc, *impl_->ctx);
    return open_tls(*impl_->stream, port, tls);
  } catch (const std::exception& e) {
    return e.what();
  }
}

bool tls_line_client::send(const nlohmann::json& frame) {
  beast::error_code ec;
  net::write(*impl_->stream, net::buffer(frame.dump() + "\n"), ec);
  return !ec;
}

std::optional<nlohmann::json> tls_line_client::read(std::chrono::milliseconds timeout) {
  std::size_t n = 0;
  auto ec = run_for(
    impl_->ioc, impl_->stream->next_layer(), timeout,
    [&](auto done) {
      net::async_read_until(*impl_->stream, net::dynamic_buffer(impl_->buffer), '\n', done);
    },
    &n);
  if (ec)
    return std::nullopt;
  auto line = impl_->buffer.substr(0, n - 1);
  impl_->buffer.erase(0, n);
  return json_or_text(line);
}

// -- wss_client -----------------------------------------------------------------

struct wss_client::impl {
  net::io_context ioc;
  std::unique_ptr<ssl::context> ctx;
  std::unique_ptr<websocket::stream<ssl::stream<tcp::socket>>> ws;
};

wss_client::wss_client() : impl_(std::make_unique<impl>()) {
}

wss_client::~wss_client() {
  if (impl_->ws) {
    beast::error_code ignored;
    impl_->ws->next_layer().next_layer().close(ignored);
  }
}

std::string wss_client::connect(std::uint16_t port, const std::string& target,
                                const tls_options& tls) {
  try {
    impl_->ctx = client_context(tls);
    impl_->ws
      = std::make_unique<websocket::stream<ssl::stream<tcp::socket>>>(impl_->ioc, *impl_->ctx);
    if (auto err = open_tls(impl_->ws->next_layer(), port, tls); !err.empty())
      return err;
    beast::error_code ec;
    impl_->ws->handshake(tls.host, target, ec);
    if (ec)
      return "websocket handshake: " + ec.message();
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

bool wss_client::send(const nlohmann::json& frame) {
  beast::error_code ec;
  impl_->ws->text(true);
  impl_->ws->write(net::buffer(frame.dump()), ec);
  return !ec;
}

std::optional<nlohmann::json> wss_client::read(std::chrono::milliseconds timeout) {
  beast::flat_buffer buffer;
  auto ec = run_for(impl_->ioc, impl_->ws->next_layer().next_layer(), timeout,
                    [&](auto done) { impl_->ws->async_read(buffer, done); });
  if (ec)
    return std::nullopt;
  return json_or_text(beast::buffers_to_string(buffer.data()));
}

std::optional<nlohmann::json> wss_client::read_type(const std::string& type,
                                                    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (auto frame = read(time_left(deadline)))
    if (type_of(*frame) == type)
      return frame;
  return std::nullopt;
}

int wss_client::close() {
  // Beast's close sends ours and reads up to the peer's close frame.
  beast::error_code ec;
  impl_->ws->close(websocket::close_code::normal, ec);
  return ec ? 0 : static_cast<int>(impl_->ws->reason().code);
}

} // namespace chat::test
