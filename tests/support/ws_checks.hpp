// What the WebSocket integration tests share: a server with generous rate
// limits, the field checks of a stored message (as history and live
// "message" frames carry it) and of an error reply. Doctest assertions: include from tests only.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test {

struct ws_fixture {
  server_process server{{{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}}};

  account user(const std::string& name) { return make_account(server.port(), name); }

  ws_client open(const account& acc) { return open_session(server.port(), acc.token); }
};

inline std::int64_t unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// The fields of a stored message from `from` in `room` with `body`, its
/// timestamp within a minute of now.
inline void check_stored_message(const nlohmann::json& msg, const std::string& room,
                                 const account& from, const nlohmann::json& body) {
  CHECK(msg["room"] == room);
  CHECK(msg["from"]["user_id"] == from.user_id);
  CHECK(msg["from"]["name"] == from.name);
  CHECK(msg["body"] == body);
  CHECK(msg["id"].is_string());
  CHECK(msg["seq"].is_number_integer());
  REQUIRE(msg["ts"].is_number_integer());
  CHECK(std::abs(msg["ts"].get<std::int64_t>() - unix_ms()) < 60000);
}

/// Sends `frame` and checks that its reply (matched by ref) is an error
/// with `code` and a message.
inline void check_error_reply(ws_client& ws, const nlohmann::json& frame, const std::string& code) {
  INFO("request: ", frame.dump());
  auto reply = ws.call(frame);
  REQUIRE_MESSAGE(reply, "no reply: ", ws.error());
  INFO("reply: ", reply->dump());
  CHECK(type_of(*reply) == "error");
  CHECK((*reply)["code"] == code);
  CHECK((*reply)["message"].is_string());
}

} // namespace chat::test
