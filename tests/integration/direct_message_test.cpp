// Direct messages against the real server: {"action":"dm","target":<user_id>,
// "body":{...}} reaches every connection of the recipient as a "direct" frame
// and is confirmed to the sender with "sent" carrying the same id ("d...").
// Errors: unknown_user for a recipient id nobody has, bad_request for a body
// that is not an object. A DM to an offline user is stored and replayed right
// after "welcome" on the next connect (replay: true, then "replayed"); once
// acked it is not replayed again.
#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/replay_session.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_checks.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

namespace {

struct dm_fixture {
  server_process server{{{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}}};

  account user(const std::string& name) { return make_account(server.port(), name); }
};

json dm_frame(const std::string& to, json body) {
  json frame{{"action", "dm"}, {"target", to}};
  frame["body"] = std::move(body);
  return frame;
}

/// A "direct" frame from `from` to `to` with `body`, live or replayed.
void check_direct(const json& frame, const account& from, const account& to, const json& body,
                  bool replayed) {
  INFO("frame: ", frame.dump());
  CHECK(type_of(frame) == "direct");
  REQUIRE(frame["id"].is_string());
  CHECK(frame["id"].get<std::string>().rfind('d', 0) == 0);
  CHECK(frame["from"]["user_id"] == from.user_id);
  CHECK(frame["from"]["name"] == from.name);
  CHECK(frame["to"] == to.user_id);
  CHECK(frame["body"] == body);
  REQUIRE(frame["ts"].is_number_integer());
  CHECK(std::abs(frame["ts"].get<std::int64_t>() - unix_ms()) < 60000);
  if (replayed)
    CHECK(frame["replay"] == true);
  else
    CHECK_FALSE(frame.contains("replay"));
}

/// Checks `ws` gets no "direct" frame within `window`.
void expect_no_direct(ws_client& ws, std::chrono::milliseconds window) {
  for (auto& frame : ws.drain(window))
    CHECK_MESSAGE(type_of(frame) != "direct", "unexpected frame: ", frame.dump());
}

} // namespace

TEST_SUITE("direct messages") {

TEST_CASE_FIXTURE(dm_fixture,
                  "a direct message reaches every connection of the recipient and only them") {
  auto ann = user("ann_dm_live"), bob = user("bob_dm_live"), carl = user("carl_dm_live");
  auto ca = open_clean(server.port(), ann);
  auto cb1 = open_clean(server.port(), bob);
  auto cb2 = open_clean(server.port(), bob);
  auto cc = open_clean(server.port(), carl);

  std::vector<std::string> ids;
  for (int n = 0; n < 3; ++n) {
    json body{{"text", "psst"}, {"n", n}};
    auto sent = ca.call(dm_frame(bob.user_id, body));
    REQUIRE_MESSAGE(sent, "no reply to dm ", n, ": ", ca.error());
    INFO("reply: ", sent->dump());
    REQUIRE(type_of(*sent) == "sent");
    REQUIRE((*sent)["id"].is_string());
    auto id = (*sent)["id"].get<std::string>();
    CHECK(id.rfind('d', 0) == 0);
    ids.push_back(id);
    for (auto* conn : {&cb1, &cb2}) {
      auto direct = conn->read_type("direct");
      REQUIRE_MESSAGE(direct, "a connection of the recipient got no direct ", n);
      check_direct(*direct, ann, bob, body, false);
      CHECK((*direct)["id"] == id);
    }
  }
  CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  expect_no_direct(cc, std::chrono::milliseconds(300));
  expect_no_direct(cb1, std::chrono::milliseconds(100)); // no duplicates
  expect_no_direct(cb2, std::chrono::milliseconds(100));

  // And back: the reply reaches ann's connection.
  json body{{"text", "got it"}};
  auto sent = cb2.call(dm_frame(ann.user_id, body));
  REQUIRE(sent);
  REQUIRE(type_of(*sent) == "sent");
  auto direct = ca.read_type("direct");
  REQUIRE(direct);
  check_direct(*direct, bob, ann, body, false);
  CHECK((*direct)["id"] == (*sent)["id"]);
}

TEST_CASE_FIXTURE(dm_fixture, "a direct message to an unknown user id answers unknown_user") {
  auto ann = user("ann_dm_nobody");
  auto ca = open_clean(server.port(), ann);
  check_error_reply(ca, dm_frame("0123456789abcdef", {{"text", "anyone?"}}), "unknown_user");
  expect_alive(ca);
}

TEST_CASE_FIXTURE(dm_fixture, "a direct message whose body is not an object answers bad_request") {
  auto ann = user("ann_dm_badbody"), bob = user("bob_dm_badbody");
  auto ca = open_clean(server.port(), ann);
  auto cb = open_clean(server.port(), bob);
  std::vector<json> bodies{"just a string", json::array({1, 2}), 42, true};
  for (auto& body : bodies)
    check_error_reply(ca, dm_frame(bob.user_id, body), "bad_request");
  // (A missing or null body is an empty object for every action, as for send.)
  expect_alive(ca);
  expect_no_direct(cb, std::chrono::milliseconds(300));
}

TEST_CASE_FIXTURE(dm_fixture,
                  "direct messages to an offline user are replayed in order on connect, once") {
  auto ann = user("ann_dm_offline"), bob = user("bob_dm_offline");
  auto ca = open_clean(server.port(), ann);
  // bob is registered and logged in but has no connection.
  std::vector<std::string> ids;
  for (int n = 0; n < 5; ++n) {
    auto sent = ca.call(dm_frame(bob.user_id, {{"text", "while you were out"}, {"n", n}}));
    REQUIRE_MESSAGE(sent, "no reply to dm ", n, ": ", ca.error());
    INFO("reply: ", sent->dump());
    REQUIRE(type_of(*sent) == "sent");
    ids.push_back((*sent)["id"].get<std::string>());
  }

  replay r;
  auto cb = connect_replay(server.port(), bob, r);
  {
    INFO("bob's connect: ", r.describe());
    REQUIRE_MESSAGE(!r.done.is_null(), "no \"replayed\" frame after the replay");
    REQUIRE(r.frames.size() == 5);
    for (int n = 0; n < 5; ++n) {
      check_direct(r.frames[n], ann, bob, {{"text", "while you were out"}, {"n", n}}, true);
      CHECK(r.frames[n]["id"] == ids[n]);
    }
    CHECK(r.done["count"] == 5);
  }
  // Nothing else follows (no live duplicate of a replayed direct).
  expect_no_direct(cb, std::chrono::milliseconds(300));

  ack(cb, ids);
  cb.close();
  replay again;
  auto cb2 = connect_replay(server.port(), bob, again);
  INFO("bob's reconnect after the ack: ", again.describe());
  REQUIRE(!again.done.is_null());
  CHECK(again.done["count"] == 0);
  CHECK(again.frames.empty());
  expect_alive(cb2);
}

} // TEST_SUITE("direct messages")
