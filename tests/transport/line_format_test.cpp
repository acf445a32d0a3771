// Unit tests of line mode's text: parsing typed lines and commands, and how
// server frames read as lines.
#include "transport/line_format.hpp"

#include <doctest/doctest.h>

using chat::line_command;
using json = nlohmann::json;

namespace {

std::string shown(const std::string& frame) {
  return chat::format_frame(json::parse(frame)).value_or("<hidden>");
}

} // namespace

TEST_SUITE("line_format") {

TEST_CASE("plain lines are said, commands are parsed") {
  auto say = chat::parse_line("hello there");
  CHECK(say.what == line_command::kind::say);
  CHECK(say.text == "hello there");
  CHECK(chat::parse_line("//slash").text == "/slash");
  auto join = chat::parse_line("/join devroom");
  CHECK(join.what == line_command::kind::join);
  CHECK(join.arg == "devroom");
  auto dm = chat::parse_line("/dm bob  psst, hi");
  CHECK(dm.what == line_command::kind::dm);
  CHECK(dm.arg == "bob");
  CHECK(dm.text == " psst, hi");
  CHECK(chat::parse_line("/who").what == line_command::kind::who);
  CHECK(chat::parse_line("/rooms").what == line_command::kind::rooms);
  CHECK(chat::parse_line("/history").what == line_command::kind::history);
  CHECK(chat::parse_line("/quit").what == line_command::kind::quit);
  CHECK(chat::parse_line("/nope").what == line_command::kind::bad);
  CHECK(chat::parse_line("/join").what == line_command::kind::bad);
  CHECK(chat::parse_line("/dm bob").what == line_command::kind::bad);
  CHECK(chat::parse_line("/rooms all").arg == "all");
  CHECK(chat::parse_line("/rooms some").what == line_command::kind::bad);
}

TEST_CASE("commands become the frames a client would send") {
  auto say = chat::command_frame(chat::parse_line("hi"), "dev");
  CHECK(say == json{{"action", "send"}, {"target", "dev"}, {"body", {{"text", "hi"}}}});
  auto who = chat::command_frame(chat::parse_line("/who"), "dev");
  CHECK(who == json{{"action", "who"}, {"target", "dev"}});
  auto hist = chat::command_frame(chat::parse_line("/history"), "dev");
  CHECK(hist["body"]["page"] == 0);
  CHECK(chat::command_frame(chat::parse_line("/join x"), "dev")["target"] == "x");
  auto dm = chat::command_frame(chat::parse_line("/dm bob psst there"), "dev");
  CHECK(dm == json{{"action", "dm"}, {"target", "@bob"}, {"body", {{"text", "psst there"}}}});
  // A page of the rooms on offer (a channel per account); every room only
  // when asked for.
  auto rooms = chat::command_frame(chat::parse_line("/rooms"), "dev");
  CHECK(rooms == json{{"action", "rooms"}, {"body", {{"offer", 30}}}});
  CHECK(chat::command_frame(chat::parse_line("/rooms all"), "dev") == json{{"action", "rooms"}});
}

TEST_CASE("frames read as lines") {
  CHECK(
    shown(
      R"({"type":"message","id":"m1","room":"dev","from":{"name":"bob"},"body":{"text":"hello"}})")
    == "[dev] bob: hello");
  CHECK(shown(R"({"type":"message","id":"m1","room":"dev","from":{"name":"bob"},"body":{"n":1}})")
        == R"([dev] bob: {"n":1})");
  CHECK(shown(R"({"type":"direct","id":"d1","from":{"name":"bob"},"body":{"text":"a\nb"}})")
        == "[dm] bob: a b");
  CHECK(shown(R"({"type":"presence","room":"dev","event":"join","user":{"name":"bob"}})")
        == "* bob joined dev");
  CHECK(shown(R"({"type":"presence","room":"dev","event":"leave","user":{"name":"bob"}})")
        == "* bob left dev");
  CHECK(shown(R"({"type":"joined","room":"dev","members":[{},{},{}]})")
        == "joined dev (3 members)");
  CHECK(
    shown(
      R"({"type":"members","room":"dev","members":[{"name":"al","online":true},{"name":"bo"}]})")
    == "dev: al*, bo");
  CHECK(shown(R"({"type":"rooms","rooms":[{"name":"a","members":2},{"name":"b","members":1}]})")
        == "rooms: a (2) b (1)");
  CHECK(shown(R"({"type":"rooms","rooms":[{"name":"a","members":2}],"more":true})")
        == "rooms: a (2) ... (more: /rooms all)");
  CHECK(shown(R"({"type":"rooms","rooms":[{"name":"a","members":2}],"more":false})")
        == "rooms: a (2)");
  CHECK(shown(R"({"type":"error","code":"room_full","message":"the room is full"})")
        == "! room_full: the room is full");
  CHECK(shown(R"({"type":"pong"})") == "pong");
  CHECK(shown(R"({"type":"welcome","name":"alice","channel":"@alice"})")
        == "welcome alice (channel @alice)");
  CHECK(shown(R"({"type":"history","room":"dev","messages":[
          {"room":"dev","from":{"name":"a"},"body":{"text":"1"}},
          {"room":"dev","from":{"name":"b"},"body":{"text":"2"}}]})")
        == "[dev] a: 1\n[dev] b: 2");
  for (auto hidden : {R"({"type":"sent","id":"m1"})", R"({"type":"acked","count":1})",
                      R"({"type":"replayed","count":0})"})
    CHECK(shown(hidden) == "<hidden>");
}

TEST_CASE("messages and directs are acked by id, nothing else") {
  CHECK(chat::ack_id(json::parse(R"({"type":"message","id":"m7"})")) == "m7");
  CHECK(chat::ack_id(json::parse(R"({"type":"direct","id":"d2"})")) == "d2");
  CHECK_FALSE(chat::ack_id(json::parse(R"({"type":"sent","id":"m7"})")));
}

} // TEST_SUITE("line_format")
