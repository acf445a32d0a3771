// What a connect brings before live traffic: the replay, and acks. Right
// after "welcome" the server replays what the user has not acked (each frame
// with "replay": true), then sends {"type":"replayed","count"}. Helpers to
// read that replay, to connect expecting none, to ack, and to check that a
// connection still answers. They assert with doctest, so call them from a
// test case's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.hpp"
#include "tests/support/io_wait.hpp" // time_left, for the tests that use these helpers
#include "tests/support/ws_client.hpp"

namespace chat::test {

/// What a connect brought before live traffic: the welcome, every frame
/// between it and "replayed", and the "replayed" frame (null if none came).
struct replay { // NOLINT(bugprone-exception-escape): see frame_view in
                // tests/stress/stress_support.hpp
  nlohmann::json welcome;
  std::vector<nlohmann::json> frames;
  nlohmann::json done;

  /// The frames for a failure message (the first few, shortened).
  std::string describe() const;

  /// The ids of the replayed frames, in order ("?" for a frame without one).
  std::vector<std::string> ids() const;
};

/// Connects as `acc` and reads the welcome, the replay and "replayed"; stops
/// after `timeout` (then `out.done` stays null).
ws_client connect_replay(std::uint16_t port, const account& acc, replay& out,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Connects as `acc` and checks that nothing is replayed (count 0).
ws_client open_clean(std::uint16_t port, const account& acc,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// {"action":"ack","body":{"ids":[...]}}.
nlohmann::json ack_frame(const std::vector<std::string>& ids);

/// Acks `ids` and waits for "acked" with their count.
void ack(ws_client& ws, const std::vector<std::string>& ids);

/// Sends ping and expects pong: the connection still works.
void expect_alive(ws_client& ws);

} // namespace chat::test
