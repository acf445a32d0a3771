// WebSocket queries against the real server: history paging, rooms (private
// rooms hidden), who with online flags, ping, and membership that outlives a
// connection. Sending and joining are in websocket_test.cpp.
#include <chrono>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/poll.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_checks.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

namespace {

// The entry for room `name` in a `rooms` reply; null when it is not listed.
json find_room(const json& reply, const std::string& name) {
  for (const auto& r : reply["rooms"])
    if (r.value("name", "") == name)
      return r;
  return json();
}

} // namespace

TEST_SUITE("websocket queries") {

TEST_CASE_FIXTURE(ws_fixture, "the history action pages the newest 100 messages oldest first") {
  auto ann = user("ann_hist");
  auto ca = open(ann);
  REQUIRE(ca.call(make_frame("join", "archive")));
  for (int n = 1; n <= 105; ++n)
    REQUIRE(ca.send(make_frame("send", "archive", {{"n", n}})));
  for (int n = 1; n <= 105; ++n)
    REQUIRE_MESSAGE(ca.read_type("sent"), "sent #", n);
  auto page0 = ca.call(make_frame("history", "archive", {{"page", 0}}));
  REQUIRE(page0);
  CHECK((*page0)["type"] == "history");
  CHECK((*page0)["room"] == "archive");
  CHECK((*page0)["page"] == 0);
  CHECK((*page0)["has_more"] == true);
  auto& msgs = (*page0)["messages"];
  REQUIRE(msgs.size() == 100);
  for (int k = 0; k < 100; ++k)
    CHECK(msgs[k]["body"]["n"] == 6 + k);
  check_stored_message(msgs[0], "archive", ann, {{"n", 6}});
  auto page1 = ca.call(make_frame("history", "archive", {{"page", 1}}));
  REQUIRE(page1);
  CHECK((*page1)["has_more"] == false);
  REQUIRE((*page1)["messages"].size() == 5);
  CHECK((*page1)["messages"][0]["body"]["n"] == 1);
  CHECK((*page1)["messages"][4]["seq"].get<std::int64_t>() + 1 == msgs[0]["seq"]);
}

TEST_CASE_FIXTURE(
  ws_fixture, "rooms lists public rooms and channels, private ones only to members, marking own") {
  auto ann = user("ann_rooms"), ben = user("ben_rooms");
  auto ca = open(ann), cb = open(ben);
  REQUIRE(ca.call(make_frame("join", "pub_room")));
  REQUIRE(ca.call(make_frame("join", "priv_room", {{"private", true}})));
  auto seen_by_ben = cb.call(make_frame("rooms"));
  REQUIRE(seen_by_ben);
  CHECK((*seen_by_ben)["type"] == "rooms");
  auto pub = find_room(*seen_by_ben, "pub_room");
  CHECK(pub["members"] == 1);
  CHECK(pub["private"] == false);
  CHECK(pub["member"] == false);
  CHECK(find_room(*seen_by_ben, "priv_room").is_null());
  CHECK(find_room(*seen_by_ben, "@ben_rooms")["member"] == true);
  // Another user's channel is a public room: on offer, not a member.
  CHECK(find_room(*seen_by_ben, "@ann_rooms")["member"] == false);
  CHECK(find_room(*seen_by_ben, "@ann_rooms")["private"] == false);
  auto seen_by_ann = ca.call(make_frame("rooms"));
  REQUIRE(seen_by_ann);
  CHECK(find_room(*seen_by_ann, "priv_room")["private"] == true);
  CHECK(find_room(*seen_by_ann, "priv_room")["member"] == true);
  CHECK(find_room(*seen_by_ann, "pub_room")["member"] == true);
}

TEST_CASE_FIXTURE(ws_fixture,
                  "rooms with an offer lists the asker's rooms and a page of the others") {
  auto ann = user("ann_offer"), ben = user("ben_offer"), cat = user("cat_offer");
  auto ca = open(ann), cb = open(ben);
  for (const char* name : {"offer_a", "offer_b", "offer_c"})
    REQUIRE(cb.call(make_frame("join", name)));
  REQUIRE(ca.call(make_frame("join", "offer_b")));
  REQUIRE(ca.call(make_frame("join", "offer_mine", {{"private", true}})));
  // Rooms and channels on offer (not the asker's); the asker's own, all.
  auto count = [](const json& reply, bool member, bool channel) {
    int n = 0;
    for (const auto& r : reply["rooms"])
      if (r["member"] == member && (r["name"].get<std::string>().front() == '@') == channel)
        ++n;
    return n;
  };
  auto listed
    = [](const json& reply, const std::string& name) { return !find_room(reply, name).is_null(); };
  auto none = ca.call(make_frame("rooms", "", {{"offer", 0}}));
  REQUIRE(none);
  CHECK((*none)["type"] == "rooms");
  CHECK((*none)["more"] == true); // ben's rooms and channel, cat's channel
  CHECK(count(*none, false, false) == 0);
  CHECK(count(*none, false, true) == 0);
  for (const char* mine : {"@ann_offer", "offer_b", "offer_mine"})
    CHECK_MESSAGE(listed(*none, mine), mine);
  CHECK(count(*none, true, false) + count(*none, true, true) == 3);
  auto one = ca.call(make_frame("rooms", "", {{"offer", 1}}));
  REQUIRE(one);
  CHECK((*one)["more"] == true);
  CHECK(count(*one, false, false) == 1);
  CHECK(count(*one, false, true) == 1);
  CHECK(count(*one, true, false) + count(*one, true, true) == 3);
  // Without an offer: every room, and no `more`.
  auto all = ca.call(make_frame("rooms"));
  REQUIRE(all);
  CHECK_FALSE(all->contains("more"));
  for (const char* name : {"offer_a", "offer_c", "@ben_offer", "@cat_offer"})
    CHECK_MESSAGE(listed(*all, name), name);
  // An offer is a number 0..1000.
  for (const json& bad : {json(-1), json(1001), json("5"), json(1.5)}) {
    auto err = ca.call(make_frame("rooms", "", {{"offer", bad}}));
    REQUIRE(err);
    CHECK((*err)["type"] == "error");
    CHECK((*err)["code"] == "bad_request");
  }
}

TEST_CASE_FIXTURE(ws_fixture, "who lists the members with their online state") {
  auto ann = user("ann_who"), ben = user("ben_who");
  auto ca = open(ann);
  {
    auto cb = open(ben);
    REQUIRE(ca.call(make_frame("join", "hall")));
    REQUIRE(cb.call(make_frame("join", "hall")));
    auto who = ca.call(make_frame("who", "hall"));
    REQUIRE(who);
    CHECK((*who)["type"] == "members");
    CHECK((*who)["room"] == "hall");
    CHECK(find_member((*who)["members"], ben.user_id)["online"] == true);
    cb.close();
  }
  json ben_entry;
  auto offline = [&] { // the disconnect is noticed asynchronously
    auto who = ca.call(make_frame("who", "hall"));
    REQUIRE(who);
    ben_entry = find_member((*who)["members"], ben.user_id);
    return ben_entry["online"] == false;
  };
  poll_until(offline, std::chrono::seconds(3), std::chrono::milliseconds(100));
  CHECK(ben_entry["online"] == false);
  CHECK(ben_entry["name"] == "ben_who");
}

TEST_CASE_FIXTURE(ws_fixture, "ping answers pong with the ref") {
  auto ann = user("ann_ping");
  auto ca = open(ann);
  auto pong = ca.call({{"action", "ping"}, {"ref", "p-1"}});
  REQUIRE(pong);
  CHECK((*pong)["type"] == "pong");
  CHECK((*pong)["ref"] == "p-1");
}

TEST_CASE_FIXTURE(ws_fixture, "membership survives a disconnect") {
  auto ann = user("ann_keep"), ben = user("ben_keep");
  auto ca = open(ann);
  {
    auto cb = open(ben);
    REQUIRE(ca.call(make_frame("join", "club")));
    REQUIRE(cb.call(make_frame("join", "club")));
  }
  auto cb = open(ben);
  auto sent = cb.call(make_frame("send", "club", {{"text", "still here"}}));
  REQUIRE(sent);
  CHECK((*sent)["type"] == "sent");
  auto msg = ca.read_type("message");
  REQUIRE(msg);
  CHECK((*msg)["type"] == "message");
  check_stored_message(*msg, "club", ben, {{"text", "still here"}});
}

} // TEST_SUITE("websocket queries")
