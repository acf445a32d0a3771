// transport/coalescing_stream.hpp over a real loopback socket, read by a
// plain Beast WebSocket client: frames appended by hand (every length
// encoding: 7-bit, 16-bit, 64-bit) arrive whole and in order, interleaved
// with what Beast writes itself (a ping the client answers, the close
// handshake), and a burst larger than high_water leaves through when_room.
#include "transport/coalescing_stream.hpp"

#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

namespace {

using chat::beast::error_code;
namespace beast = chat::beast;
namespace net = chat::net;
namespace websocket = chat::websocket;
using chat::tcp;

using server_ws = websocket::stream<chat::coalescing_stream<beast::tcp_stream>>;

struct pair_fixture {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc, {net::ip::make_address("127.0.0.1"), 0}};
  server_ws server{ioc};
  websocket::stream<tcp::socket> client{ioc};

  pair_fixture() {
    // The handshake needs both ends at once: the client on a thread.
    std::thread t([&] {
      client.next_layer().connect(acceptor.local_endpoint());
      client.handshake("127.0.0.1", "/");
    });
    acceptor.accept(beast::get_lowest_layer(server).socket());
    error_code accepted = net::error::would_block;
    server.async_accept([&](error_code ec) { accepted = ec; }); // the layer is async-only
    ioc.run();
    t.join();
    ioc.restart();
    REQUIRE_FALSE(accepted);
  }

  std::vector<std::string> read_messages(std::size_t n) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n; ++i) {
      beast::flat_buffer buf;
      client.read(buf);
      out.push_back(beast::buffers_to_string(buf.data()));
    }
    return out;
  }
};

} // namespace

TEST_SUITE("coalescing_stream") {

TEST_CASE_FIXTURE(pair_fixture, "appended frames of every length arrive whole and in order") {
  std::vector<std::string> sent{"hi",
                                std::string(200, 'b'),
                                std::string(70000, 'c'),
                                std::string(125, 'd'),
                                std::string(126, 'e'),
                                ""};
  auto& layer = server.next_layer();
  for (const auto& s : sent)
    layer.append_text_frame(s);
  layer.flush();
  std::thread reader([&] { CHECK(read_messages(sent.size()) == sent); });
  ioc.run();
  reader.join();
  CHECK_FALSE(layer.error());
}

TEST_CASE_FIXTURE(pair_fixture, "Beast's own frames fall between appended ones, close comes last") {
  auto& layer = server.next_layer();
  layer.append_text_frame("before ping");
  bool pinged = false;
  server.async_ping({}, [&](error_code ec) { pinged = !ec; });
  layer.append_text_frame("after ping");
  layer.flush();
  bool closed = false;
  server.async_close(websocket::close_code::going_away, [&](error_code ec) { closed = !ec; });
  std::thread reader([&] {
    CHECK(read_messages(2) == std::vector<std::string>{"before ping", "after ping"});
    beast::flat_buffer buf;
    error_code ec;
    client.read(buf, ec); // the close frame: answered, then the read ends
    CHECK(ec == websocket::error::closed);
    CHECK(client.reason().code == websocket::close_code::going_away);
  });
  ioc.run();
  reader.join();
  CHECK(pinged);
  CHECK(closed);
}

TEST_CASE_FIXTURE(pair_fixture, "a burst over high_water waits for room and still arrives whole") {
  auto& layer = server.next_layer();
  const std::string frame(1000, 'x');
  const std::size_t total = 1000; // ~1 MB: many times high_water
  std::size_t appended = 0;
  std::size_t waits = 0;
  std::function<void()> pump = [&] {
    while (appended < total && layer.has_room()) {
      layer.append_text_frame(frame + std::to_string(appended));
      ++appended;
    }
    layer.flush();
    if (appended < total) {
      ++waits;
      layer.when_room(pump);
    }
  };
  pump();
  std::thread reader([&] {
    auto got = read_messages(total);
    for (std::size_t i = 0; i < total; ++i)
      if (got[i] != frame + std::to_string(i))
        FAIL("frame ", i, " differs");
  });
  ioc.run();
  reader.join();
  CHECK(appended == total);
  CHECK(waits > 0); // the buffer did fill up: backpressure took effect
}

} // TEST_SUITE("coalescing_stream")
