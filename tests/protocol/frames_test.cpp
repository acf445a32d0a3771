// Unit tests of the server frames (protocol/frames): the exact shape of
// every frame the server sends, the request's ref carried over, and text
// escaped, never spliced in. Requests, acks, names and the JSON string
// writer have their own files here.
#include "protocol/frames.hpp"

#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

json parsed(const std::string& frame) {
  return json::parse(frame);
}

chat::chat_message sample_message() {
  return {"m7", 3, "devroom", "u1", "alice", R"({"text":"hi <b>"})", 1700000000123};
}

} // namespace

TEST_SUITE("frames") {

TEST_CASE("a message frame carries every documented field and the body verbatim") {
  auto frame = parsed(chat::message_frame(sample_message()));
  CHECK(frame["type"] == "message");
  CHECK(frame["id"] == "m7");
  CHECK(frame["seq"] == 3);
  CHECK(frame["room"] == "devroom");
  CHECK(frame["from"] == json{{"user_id", "u1"}, {"name", "alice"}});
  CHECK(frame["body"] == json{{"text", "hi <b>"}});
  CHECK(frame["ts"] == 1700000000123);
  CHECK_FALSE(frame.contains("replay"));
  auto replayed = parsed(chat::message_frame(sample_message(), true));
  CHECK(replayed["replay"] == true);
  replayed.erase("replay");
  CHECK(replayed == frame); // otherwise the same frame
}

TEST_CASE("replies carry the request's ref and leave it out when there was none") {
  auto with_ref = parsed(chat::sent_frame(R"("r9")", sample_message()));
  CHECK(with_ref == json{{"type", "sent"}, {"ref", "r9"}, {"id", "m7"}, {"seq", 3}});
  auto without = parsed(chat::pong_frame(""));
  CHECK(without == json{{"type", "pong"}});
  auto err = parsed(chat::error_frame(chat::chat_errc::room_full, "full", "7"));
  CHECK(err == json{{"type", "error"}, {"ref", 7}, {"code", "room_full"}, {"message", "full"}});
}

TEST_CASE("welcome, joined, presence, left, members and rooms frames") {
  chat::identity alice{"u1", "alice"};
  CHECK(parsed(chat::welcome_frame("c1", alice))
        == json{{"type", "welcome"},
                {"connection_id", "c1"},
                {"user_id", "u1"},
                {"name", "alice"},
                {"channel", "@alice"}});
  chat::member_list members{{"u1", "alice", true}, {"u2", "bob", false}};
  auto joined = parsed(chat::joined_frame("devroom", members, ""));
  CHECK(joined["type"] == "joined");
  CHECK(joined["members"][1] == json{{"user_id", "u2"}, {"name", "bob"}, {"online", false}});
  CHECK(parsed(chat::presence_frame("devroom", "join", alice))
        == json{{"type", "presence"},
                {"room", "devroom"},
                {"event", "join"},
                {"user", {{"user_id", "u1"}, {"name", "alice"}}}});
  CHECK(parsed(chat::left_frame("devroom", "")) == json{{"type", "left"}, {"room", "devroom"}});
  CHECK(parsed(chat::members_frame("devroom", members, ""))["members"].size() == 2);
  // Member lists are written by hand: byte for byte what dump() wrote.
  chat::member_list odd{{"u\"3", "carol", true}, {"u4\n", "dave", false}};
  auto expected = R"({"type":"members","room":"r","members":)"
                  + json::array({{{"user_id", "u\"3"}, {"name", "carol"}, {"online", true}},
                                 {{"user_id", "u4\n"}, {"name", "dave"}, {"online", false}}})
                      .dump()
                  + "}";
  CHECK(chat::members_frame("r", odd, "") == expected);
  CHECK(chat::members_frame("r", {}, "") == R"({"type":"members","room":"r","members":[]})");
  auto rooms = parsed(chat::rooms_frame({{"devroom", 2, false, true}}, ""));
  CHECK(rooms["rooms"][0]
        == json{{"name", "devroom"}, {"members", 2}, {"private", false}, {"member", true}});
  CHECK_FALSE(rooms.contains("more")); // only an offer's reply says
  CHECK(parsed(chat::rooms_frame({}, "", true))["more"] == true);
  CHECK(parsed(chat::rooms_frame({}, "", false))["more"] == false);
}

TEST_CASE("history frames and the HTTP history body list messages oldest first") {
  chat::history_page page{"devroom", 1, {sample_message(), sample_message()}, true};
  page.messages[1].seq = 4;
  auto ws = parsed(chat::history_frame(page, R"("h")"));
  CHECK(ws["type"] == "history");
  CHECK(ws["ref"] == "h");
  CHECK(ws["page"] == 1);
  CHECK(ws["has_more"] == true);
  CHECK(ws["messages"][0]["seq"] == 3);
  CHECK(ws["messages"][1]["seq"] == 4);
  CHECK_FALSE(ws["messages"][0].contains("type"));
  auto http = parsed(chat::history_json(page));
  CHECK(http["room"] == "devroom");
  CHECK(http["messages"] == ws["messages"]);
  CHECK_FALSE(http.contains("type"));
}

TEST_CASE("text that looks like JSON or HTML is escaped, never spliced in") {
  chat::identity evil{"u\"1", "a\"}, {\"x"};
  auto frame = parsed(chat::presence_frame("r", "join", evil));
  CHECK(frame["user"]["name"] == "a\"}, {\"x");
}

} // TEST_SUITE("frames")
