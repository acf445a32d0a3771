// What the WebSocket integration tests share: a server with generous rate
// limits and the field checks of a stored message (as history and live
// "message" frames carry it). Doctest assertions: include from tests only.
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

inline std::int64_t now_ms() {
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
  CHECK(std::abs(msg["ts"].get<std::int64_t>() - now_ms()) < 60000);
}

} // namespace chat::test
