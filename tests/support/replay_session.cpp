// What a connect brings before live traffic: the replay, and acks. Shared by
// the integration tests; failures are reported with doctest assertions.
#include "tests/support/replay_session.hpp"

#include <algorithm>
#include <utility>

#include <doctest/doctest.h>

namespace chat::test {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

std::string replay::describe() const {
  std::string text = std::to_string(frames.size()) + " frames before \"replayed\"";
  for (std::size_t k = 0; k < frames.size() && k < 8; ++k)
    text += "\n  " + frames[k].dump().substr(0, 200);
  if (frames.size() > 8)
    text += "\n  ...";
  return text + "\n  replayed: " + done.dump();
}

std::vector<std::string> replay::ids() const {
  std::vector<std::string> out;
  for (auto& f : frames)
    out.push_back(f.value("id", std::string("?")));
  return out;
}

ws_client connect_replay(std::uint16_t port, const account& acc, replay& out,
                         std::chrono::milliseconds timeout) {
  auto ws = open_session(port, acc.token, &out.welcome);
  auto deadline = clock_type::now() + timeout;
  while (auto frame = ws.read(time_left(deadline))) {
    if (type_of(*frame) == "replayed") {
      out.done = *frame;
      break;
    }
    out.frames.push_back(std::move(*frame));
  }
  return ws;
}

ws_client open_clean(std::uint16_t port, const account& acc, std::chrono::milliseconds timeout) {
  replay r;
  auto ws = connect_replay(port, acc, r, timeout);
  INFO("connect of ", acc.name, ": ", r.describe());
  REQUIRE_MESSAGE(!r.done.is_null(), "no \"replayed\" frame after welcome");
  CHECK(r.done["count"] == 0);
  CHECK(r.frames.empty());
  return ws;
}

json ack_frame(const std::vector<std::string>& ids) {
  json body;
  body["ids"] = ids;
  return {{"action", "ack"}, {"body", body}};
}

void ack(ws_client& ws, const std::vector<std::string>& ids) {
  auto reply = ws.call(ack_frame(ids));
  REQUIRE_MESSAGE(reply, "no reply to ack: ", ws.error());
  INFO("reply: ", reply->dump());
  REQUIRE(type_of(*reply) == "acked");
  CHECK((*reply)["count"] == ids.size());
}

void expect_alive(ws_client& ws) {
  auto pong = ws.call({{"action", "ping"}});
  REQUIRE_MESSAGE(pong, "no pong: ", ws.error());
  CHECK(type_of(*pong) == "pong");
}

} // namespace chat::test
