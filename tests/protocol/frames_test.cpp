// Unit tests of the wire codec (protocol/): request parsing, name rules
// and the exact shape of server frames.
#include "protocol/frames.hpp"

#include "protocol/json_text.hpp"

#include "protocol/ack_frame.hpp"
#include "protocol/names.hpp"
#include "protocol/request.hpp"

#include <doctest/doctest.h>

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

TEST_CASE("a well-formed request is parsed with its ref kept as raw JSON") {
  std::string ref;
  auto req = chat::parse_request(
    R"({"action":"send","target":"devroom","body":{"text":"hi"},"ref":"r1"})", ref);
  REQUIRE(req);
  CHECK(req->action == "send");
  CHECK(req->target == "devroom");
  CHECK(req->body == json{{"text", "hi"}});
  CHECK(req->ref == R"("r1")");
  CHECK(ref == R"("r1")");
}

TEST_CASE("numeric refs survive and a missing body is an empty object") {
  std::string ref;
  auto req = chat::parse_request(R"({"action":"ping","ref":42})", ref);
  REQUIRE(req);
  CHECK(req->ref == "42");
  CHECK(req->body.is_object());
  CHECK(req->body.empty());
}

TEST_CASE("malformed requests are bad_request and still report their ref") {
  for (const char* text : {"", "not json", "[1,2]", "\"x\"", "{\"action\":5}", "{\"target\":\"r\"}",
                           "{\"action\":\"join\",\"target\":7}"}) {
    std::string ref;
    auto req = chat::parse_request(text, ref);
    REQUIRE_FALSE(req);
    CHECK(chat::to_chat_errc(req.error()) == chat::chat_errc::bad_request);
  }
  std::string ref;
  auto req = chat::parse_request(R"({"action":1,"ref":"abc"})", ref);
  CHECK_FALSE(req);
  CHECK(ref == R"("abc")");
}

TEST_CASE("a plain ack frame is read without a DOM and as the DOM would read it") {
  struct sample {
    const char* text;
    chat::id_list ids;
    const char* ref;
  };
  const sample samples[] = {
    {R"({"action":"ack","body":{"ids":["m1","m22","d3"]}})", {"m1", "m22", "d3"}, ""},
    {R"({"ref":"r\"1\u0001","body":{"ids":[]},"action":"ack"})", {}, R"("r\"1\u0001")"},
    {R"( { "action" : "ack" , "ref" : -42 , "body" : { "ids" : [ "m9" ] } } )", {"m9"}, "-42"},
    {R"({"action":"ack","ref":18446744073709551615,"body":{"ids":["x"]}})",
     {"x"},
     "18446744073709551615"},
    {R"({"action":"ack","ref":true,"target":"devroom","body":{"ids":["\u00e9"]}})",
     {"\xc3\xa9"},
     "true"},
    {R"({"action":"ack","ref":null,"target":null,"body":{"ids":["m1"]}})", {"m1"}, ""},
  };
  for (const auto& s : samples) {
    CAPTURE(s.text);
    auto fast = chat::read_plain_ack(s.text);
    REQUIRE(fast);
    CHECK(fast->ids == s.ids);
    CHECK(fast->ref == s.ref);
    // The same frame through the DOM: the same ref, the same ids.
    auto doc = json::parse(s.text);
    CHECK(fast->ref == (doc.contains("ref") && !doc["ref"].is_null() ? doc["ref"].dump() : ""));
    CHECK(fast->ids == doc["body"]["ids"].get<chat::id_list>());
    std::string ref;
    auto req = chat::parse_request(s.text, ref);
    REQUIRE(req);
    CHECK(req->action == "ack");
    REQUIRE(req->ack_ids);
    CHECK(*req->ack_ids == s.ids);
    CHECK(ref == s.ref);
  }
}

TEST_CASE("ack frames of any other shape go through the DOM with its errors") {
  for (const char* text :
       {R"({"action":"ack","body":{"ids":["m1",2]}})",          // an id that is no string
        R"({"action":"ack","body":{"ids":"m1"}})",              // ids not an array
        R"({"action":"ack","body":null})",                      // no body
        R"({"action":"ack"})",                                  // no ids
        R"({"action":"ack","body":{"ids":["m1"],"x":1}})",      // another body key
        R"({"action":"ack","body":{"ids":["m1"]},"x":1})",      // another top-level key
        R"({"action":"ack","ref":1.5,"body":{"ids":["m1"]}})",  // float ref: dump()'s business
        R"({"action":"ack","ref":{"a":1},"body":{"ids":[]}})",  // object ref
        R"({"action":"ack","action":"ack","body":{"ids":[]}})", // a repeated key
        R"({"action":"ack","target":5,"body":{"ids":[]}})",     // a target of the wrong type
        R"({"action":"send","body":{"ids":["m1"]}})",           // not an ack
        R"({"action":"ack","body":{"ids":["m1"]}} trailing)",   // not JSON
        R"({"action":"ack","body":{"ids":["m1"]})",             // cut short
        "[\"ack\"]", ""}) {
    CAPTURE(text);
    CHECK_FALSE(chat::read_plain_ack(text));
  }
  std::string ref;
  auto wrong_id = chat::parse_request(R"({"action":"ack","ref":"r","body":{"ids":[2]}})", ref);
  REQUIRE(wrong_id);
  CHECK_FALSE(wrong_id->ack_ids); // on_ack answers bad_request from the DOM
  CHECK(wrong_id->body["ids"] == json::array({2}));
  CHECK(ref == R"("r")");
  auto float_ref = chat::parse_request(R"({"action":"ack","ref":1.5,"body":{"ids":["m1"]}})", ref);
  REQUIRE(float_ref);
  CHECK_FALSE(float_ref->ack_ids);
  CHECK(float_ref->ref == "1.5");
  auto repeated
    = chat::parse_request(R"({"action":"ack","body":{"ids":["m1"]},"ref":1,"ref":2})", ref);
  REQUIRE(repeated);
  CHECK(repeated->ref == "2"); // the DOM's rule: the last one wins
  CHECK_FALSE(chat::parse_request(R"({"action":"ack","body":{"ids":["m1"]})", ref));
}

TEST_CASE("room and user names follow the documented character rules") {
  CHECK(chat::valid_room_name("devroom"));
  CHECK(chat::valid_room_name("a.b-c_D9"));
  CHECK(chat::valid_room_name(std::string(64, 'x')));
  CHECK_FALSE(chat::valid_room_name(std::string(65, 'x')));
  CHECK_FALSE(chat::valid_room_name(""));
  CHECK_FALSE(chat::valid_room_name("bad name!"));
  CHECK_FALSE(chat::valid_room_name("../etc"));
  CHECK(chat::valid_room_name("@alice"));
  CHECK_FALSE(chat::valid_room_name("@"));
  CHECK_FALSE(chat::valid_room_name("@" + std::string(33, 'a')));
  CHECK(chat::valid_user_name(std::string(32, 'a')));
  CHECK_FALSE(chat::valid_user_name(std::string(33, 'a')));
  CHECK_FALSE(chat::valid_user_name("al ice"));
  CHECK(chat::channel_of("alice") == "@alice");
}

TEST_CASE("a message frame carries every documented field and the body verbatim") {
  auto frame = parsed(chat::message_frame(sample_message()));
  CHECK(frame["type"] == "message");
  CHECK(frame["id"] == "m7");
  CHECK(frame["seq"] == 3);
  CHECK(frame["room"] == "devroom");
  CHECK(frame["from"] == json{{"user_id", "u1"}, {"name", "alice"}});
  CHECK(frame["body"] == json{{"text", "hi <b>"}});
  CHECK(frame["ts"] == 1700000000123);
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

TEST_CASE("strings are escaped byte for byte as nlohmann's dump() escapes them") {
  std::string all_controls;
  for (int c = 1; c < 0x20; ++c)
    all_controls += static_cast<char>(c);
  const std::vector<std::string> samples{
    "",
    "plain",
    "quote \" and backslash \\",
    "slash / stays",
    "tab\there",
    all_controls,
    std::string("nul\0inside", 10),
    "\x7f del",
    "ünïcödé ✓ 😀",
    "</script><b>",
  };
  for (const auto& text : samples) {
    std::string out;
    chat::append_json_string(out, text);
    CHECK(out == nlohmann::json(text).dump());
    CHECK(nlohmann::json::parse(out) == text);
  }
}

} // TEST_SUITE("frames")
