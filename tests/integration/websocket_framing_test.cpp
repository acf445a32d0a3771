// How the server reads WebSocket frames, driven by a hand-made client on a
// plain socket: a message split into fragments (with a ping between them)
// and several messages in one TCP write each arrive whole and in order. The
// session reads every message a piece at a time into its own string
// (transport/websocket_session.cpp), so the pieces' edges must not show.
#include <cstdint>
#include <string>

#include <doctest/doctest.h>

#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/tcp_client.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

namespace {

enum opcode : std::uint8_t { continuation = 0x0, text = 0x1, ping = 0x9 };

/// One client frame (masked, as RFC 6455 requires of clients).
std::string client_frame(opcode op, bool fin, const std::string& payload) {
  std::string out;
  out += static_cast<char>((fin ? 0x80 : 0x00) | op);
  auto size = payload.size();
  REQUIRE(size < 65536);
  if (size < 126) {
    out += static_cast<char>(0x80 | size);
  } else {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>(size >> 8);
    out += static_cast<char>(size & 0xff);
  }
  const char key[4] = {0x3a, 0x11, 0x5c, 0x72};
  out.append(key, 4);
  for (std::size_t i = 0; i < size; ++i)
    out += static_cast<char>(payload[i] ^ key[i % 4]);
  return out;
}

std::string dm_text(const std::string& to, const std::string& text) {
  return json{{"action", "dm"}, {"target", to}, {"body", {{"text", text}}}}.dump();
}

} // namespace

TEST_SUITE("websocket framing") {

TEST_CASE("fragmented and pipelined text messages are each read whole, in order") {
  server_process server;
  auto ann = make_account(server.port(), "ann_frames");
  auto bob = make_account(server.port(), "bob_frames");
  auto cb = open_session(server.port(), bob.token);
  line_client raw;
  auto status = raw_upgrade(raw, server.port(), ann.token);
  REQUIRE(status);
  REQUIRE(status->rfind("HTTP/1.1 101", 0) == 0);

  // 1: one message in three fragments, a ping between the first two, long
  // enough to take several reads on the server.
  auto first = dm_text(bob.user_id, "fragmented:" + std::string(3000, 'f'));
  REQUIRE(raw.send_raw(client_frame(text, false, first.substr(0, 7))));
  REQUIRE(raw.send_raw(client_frame(ping, true, "are you there")));
  REQUIRE(raw.send_raw(client_frame(continuation, false, first.substr(7, 1500))));
  // ... its last fragment and two whole messages (a short and a long one)
  // leave in one write.
  auto second = dm_text(bob.user_id, "short");
  auto third = dm_text(bob.user_id, "long:" + std::string(2000, 'l'));
  REQUIRE(raw.send_raw(client_frame(continuation, true, first.substr(1507))
                       + client_frame(text, true, second) + client_frame(text, true, third)));

  for (const std::string& expected : {"fragmented:" + std::string(3000, 'f'), std::string("short"),
                                      "long:" + std::string(2000, 'l')}) {
    auto direct = cb.read_type("direct");
    REQUIRE_MESSAGE(direct, "bob got no direct message for: ", expected.substr(0, 20));
    CHECK((*direct)["from"]["user_id"] == ann.user_id);
    CHECK((*direct)["body"]["text"] == expected);
  }
}

} // TEST_SUITE("websocket framing")
