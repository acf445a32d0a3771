// Beast WebSocket client on a plain tcp::socket. Handlers capture the impl by
// pointer; the destructor closes the socket and runs the loop until no
// handler of this client is pending, so none outlives its impl.
#include "tests/support/ws_client.hpp"

#include "tests/support/io_wait.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

namespace chat::test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;
using error_code = boost::system::error_code;

struct io_loop::impl {
  net::io_context ioc{1};

  /// Runs handlers until `done()`, the deadline, or no work is left.
  bool run_until(const std::function<bool()>& done, clock_type::time_point deadline) {
    return test::run_until(ioc, done, deadline);
  }
};

io_loop::io_loop() : impl_(std::make_unique<impl>()) {
}

io_loop::~io_loop() = default;

std::size_t io_loop::run_for(std::chrono::milliseconds timeout) {
  auto& ioc = impl_->ioc;
  if (ioc.stopped())
    ioc.restart();
  std::size_t n = ioc.run_one_for(timeout);
  if (n > 0)
    n += ioc.poll();
  else if (ioc.stopped()) // no client has work left: wait anyway, don't spin
    std::this_thread::sleep_for(timeout);
  return n;
}

struct ws_client::impl {
  std::unique_ptr<io_loop> own_loop; // declared first: destroyed last
  io_loop::impl& loop;
  websocket::stream<tcp::socket> ws;
  beast::flat_buffer read_buf;
  websocket::response_type handshake_res;
  std::deque<std::string> frames;
  bool connect_called = false;
  bool upgraded = false;
  bool read_pending = false;
  bool write_pending = false;
  bool closed = false;
  std::optional<int> code;
  std::string last_error;
  unsigned next_ref = 0;

  explicit impl(io_loop& shared) : loop(shared.get()), ws(loop.ioc) {}

  explicit impl(std::unique_ptr<io_loop> own)
    : own_loop(std::move(own)),
      loop(own_loop->get()),
      ws(loop.ioc) {}

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    return loop.run_until(done, clock_type::now() + timeout);
  }

  void start_read() {
    read_pending = true;
    ws.async_read(read_buf, [this](error_code ec, std::size_t) {
      read_pending = false;
      if (ec)
        return on_closed(ec);
      frames.push_back(beast::buffers_to_string(read_buf.data()));
      read_buf.consume(read_buf.size());
      start_read();
    });
  }

  void on_closed(error_code ec) {
    if (closed)
      return;
    closed = true;
    auto reason = ws.reason();
    if (ec == websocket::error::closed || reason.code != websocket::close_code::none)
      code = reason.code == websocket::close_code::none ? 1005 : int(reason.code);
    else
      code = 1006;
    last_error = ec.message();
  }

  /// Starts an async op with `start(handler)` and runs the loop until it
  /// completes; on timeout closes the socket (the op can't be resumed),
  /// drains the aborted handler and returns operation_aborted.
  template <class Start>
  error_code await(Start start, clock_type::time_point deadline, const char* what) {
    bool done = false;
    error_code result;
    start([&](error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    if (loop.run_until([&] { return done; }, deadline)) {
      if (result)
        last_error = std::string(what) + ": " + result.message();
      return result;
    }
    error_code ignored;
    ws.next_layer().close(ignored);
    run_until([&] { return done; }, std::chrono::seconds(2));
    last_error = std::string(what) + " timed out";
    return net::error::operation_aborted;
  }

  bool write(const std::string& bytes, bool binary, std::chrono::milliseconds timeout) {
    if (!upgraded || write_pending)
      return false;
    ws.binary(binary);
    write_pending = true;
    auto ec = await([&](auto handler) { ws.async_write(net::buffer(bytes), handler); },
                    clock_type::now() + timeout, "write");
    write_pending = false;
    return !ec;
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>(std::make_unique<io_loop>())) {
}

ws_client::ws_client(io_loop& loop) : impl_(std::make_unique<impl>(loop)) {
}

ws_client::ws_client(ws_client&&) noexcept = default;

ws_client& ws_client::operator=(ws_client&&) noexcept = default;

ws_client::~ws_client() {
  if (!impl_)
    return;
  try {
    error_code ignored;
    impl_->ws.next_layer().close(ignored);
    auto idle = [this] { return !impl_->read_pending && !impl_->write_pending; };
    if (!impl_->run_until(idle, std::chrono::seconds(5)))
      (void)impl_.release(); // a handler still points at it: leak, don't crash
  } catch (...) {
    (void)impl_.release(); // a handler threw while draining: same, no terminate
  }
}

int ws_client::connect(std::uint16_t port, const std::string& target,
                       std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  if (d.connect_called)
    throw std::logic_error("ws_client::connect called twice");
  d.connect_called = true;
  auto deadline = clock_type::now() + timeout;
  auto& sock = d.ws.next_layer();
  tcp::endpoint server{net::ip::make_address("127.0.0.1"), port};
  d.closed = true; // until upgraded
  if (d.await([&](auto handler) { sock.async_connect(server, handler); }, deadline, "connect"))
    return 0;
  error_code ignored;
  sock.set_option(tcp::no_delay(true), ignored);
  d.ws.read_message_max(64 * 1024 * 1024);
  d.ws.auto_fragment(false); // one send = one frame, whatever its size
  auto host = "127.0.0.1:" + std::to_string(port);
  auto ec
    = d.await([&](auto handler) { d.ws.async_handshake(d.handshake_res, host, target, handler); },
              deadline, "handshake");
  int status = static_cast<int>(d.handshake_res.result_int());
  if (ec)
    return status == 101 ? 0 : status;
  d.closed = false;
  d.upgraded = true;
  d.start_read();
  return status;
}

std::string ws_client::handshake_body() const {
  return impl_->handshake_res.body();
}

bool ws_client::is_open() const {
  return impl_->upgraded && !impl_->closed;
}

bool ws_client::send(const nlohmann::json& frame, std::chrono::milliseconds timeout) {
  return impl_->write(frame.dump(), false, timeout);
}

bool ws_client::send_text(const std::string& text, std::chrono::milliseconds timeout) {
  return impl_->write(text, false, timeout);
}

bool ws_client::send_binary(const std::string& bytes, std::chrono::milliseconds timeout) {
  return impl_->write(bytes, true, timeout);
}

std::optional<std::string> ws_client::take_text() {
  auto& frames = impl_->frames;
  if (frames.empty())
    return std::nullopt;
  auto text = std::move(frames.front());
  frames.pop_front();
  return text;
}

std::optional<std::string> ws_client::read_text(std::chrono::milliseconds timeout) {
  auto& d = *impl_;
  d.run_until([&] { return !d.frames.empty() || d.closed; }, timeout);
  return take_text();
}

std::optional<nlohmann::json> ws_client::read(std::chrono::milliseconds timeout) {
  auto text = read_text(timeout);
  if (!text)
    return std::nullopt;
  return json_or_text(*text);
}

std::optional<nlohmann::json> ws_client::read_until(const predicate& pred,
                                                    std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (auto frame = read(time_left(deadline)))
    if (pred(*frame))
      return frame;
  return std::nullopt;
}

std::optional<nlohmann::json> ws_client::read_type(const std::string& type,
                                                   std::chrono::milliseconds timeout) {
  return read_until([&](const nlohmann::json& f) { return type_of(f) == type; }, timeout);
}

std::optional<nlohmann::json> ws_client::call(nlohmann::json frame,
                                              std::chrono::milliseconds timeout) {
  if (!frame.contains("ref"))
    frame["ref"] = "ref-" + std::to_string(++impl_->next_ref);
  auto ref = frame["ref"];
  if (!send(frame))
    return std::nullopt;
  return read_until(
    [&](const nlohmann::json& f) { return f.is_object() && f.contains("ref") && f["ref"] == ref; },
    timeout);
}

std::vector<nlohmann::json> ws_client::drain(std::chrono::milliseconds window) {
  std::vector<nlohmann::json> frames;
  read_until(
    [&](const nlohmann::json& f) {
      frames.push_back(f);
      return false;
    },
    window);
  return frames;
}

bool ws_client::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  while (read_text(time_left(deadline)) && clock_type::now() < deadline) {
  }
  return impl_->closed;
}

bool ws_client::closed() const {
  return impl_->closed;
}

std::optional<int> ws_client::close_code() const {
  return impl_->code;
}

void ws_client::close() {
  auto& d = *impl_;
  if (!d.upgraded || d.closed)
    return;
  auto deadline = clock_type::now() + std::chrono::seconds(2);
  d.await([&](auto handler) { d.ws.async_close(websocket::close_code::normal, handler); }, deadline,
          "close");
  error_code ignored;
  d.ws.next_layer().close(ignored);
  d.run_until([&] { return !d.read_pending; }, std::chrono::seconds(2));
  d.closed = true;
}

std::string ws_client::error() const {
  return impl_->last_error;
}

ws_client open_session(std::uint16_t port, const std::string& token, nlohmann::json* welcome) {
  ws_client client;
  int status = client.connect(port, "/ws?token=" + token);
  if (status != 101)
    throw std::runtime_error("upgrade refused: status " + std::to_string(status) + " "
                             + client.error() + " " + client.handshake_body());
  auto first = client.read();
  if (!first || type_of(*first) != "welcome")
    throw std::runtime_error("no welcome frame, got: "
                             + (first ? first->dump() : "nothing (" + client.error() + ")"));
  if (welcome)
    *welcome = *first;
  return client;
}

} // namespace chat::test
