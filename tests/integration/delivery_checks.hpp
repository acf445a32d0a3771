// What the delivery tests (delivery_replay_test.cpp, delivery_ack_test.cpp)
// share: a server without rate limits, sending room messages and directs and
// keeping what "sent" said, reading live messages, and the checks of a
// replayed frame. Doctest assertions: include from those test files only.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/io_wait.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

namespace chat::test {

inline server_process::overrides settings(const server_process::overrides& extra = {}) {
  server_process::overrides all{{"limits.messages_per_second", "100000"},
                                {"limits.burst", "100000"}};
  for (auto& [key, value] : extra)
    all[key] = value;
  return all;
}

struct sent_message {
  std::string id;
  std::int64_t seq = 0;
};

/// Sends `count` messages {"text", "n": first + k} to `room` and returns what
/// "sent" said about each, in order.
inline std::vector<sent_message> send_all(ws_client& ws, const std::string& room, int count,
                                          int first = 0) {
  std::vector<sent_message> out;
  for (int k = 0; k < count; ++k) {
    auto sent = ws.call(make_frame("send", room, {{"text", "hello"}, {"n", first + k}}));
    REQUIRE_MESSAGE(sent, "no reply to send ", k, " to ", room, ": ", ws.error());
    INFO("reply: ", sent->dump());
    REQUIRE(type_of(*sent) == "sent");
    out.push_back({(*sent)["id"].get<std::string>(), (*sent)["seq"].get<std::int64_t>()});
  }
  return out;
}

inline std::string send_dm(ws_client& ws, const account& to, nlohmann::json body) {
  nlohmann::json frame{{"action", "dm"}, {"target", to.user_id}};
  frame["body"] = std::move(body);
  auto sent = ws.call(frame);
  REQUIRE_MESSAGE(sent, "no reply to dm: ", ws.error());
  INFO("reply: ", sent->dump());
  REQUIRE(type_of(*sent) == "sent");
  return (*sent)["id"].get<std::string>();
}

/// Reads `count` live "message" frames of `room` (skipping others).
inline std::vector<nlohmann::json> read_messages(ws_client& ws, const std::string& room,
                                                 std::size_t count) {
  std::vector<nlohmann::json> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (out.size() < count) {
    auto frame = ws.read_until(
      [&](const nlohmann::json& f) { return type_of(f) == "message" && f["room"] == room; },
      time_left(deadline));
    if (!frame)
      break;
    out.push_back(std::move(*frame));
  }
  REQUIRE_MESSAGE(out.size() == count, "only ", out.size(), " of ", count, " messages of ", room,
                  " arrived: ", ws.error());
  for (auto& m : out)
    CHECK_MESSAGE(!m.contains("replay"), "a live frame carries replay: ", m.dump());
  return out;
}

inline std::vector<std::string> ids_of(const std::vector<nlohmann::json>& frames) {
  std::vector<std::string> out;
  for (auto& f : frames)
    out.push_back(f.value("id", std::string("?")));
  return out;
}

inline std::vector<std::string> ids_of(const std::vector<sent_message>& sent) {
  std::vector<std::string> out;
  for (auto& s : sent)
    out.push_back(s.id);
  return out;
}

/// Checks a replayed room message: type, room, replay flag, id and seq.
inline void check_replayed_message(const nlohmann::json& frame, const std::string& room,
                                   const sent_message& sent) {
  INFO("frame: ", frame.dump().substr(0, 300));
  CHECK(type_of(frame) == "message");
  CHECK(frame["room"] == room);
  CHECK(frame["replay"] == true);
  CHECK(frame["id"] == sent.id);
  CHECK(frame["seq"] == sent.seq);
}

} // namespace chat::test
