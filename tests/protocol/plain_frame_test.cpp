// Unit tests of the DOM-less frame reader (protocol/plain_frame): a plain
// ack, send or dm frame is read as parse_request's DOM reads it, and every
// other shape is left to the DOM and its errors.
#include "protocol/plain_frame.hpp"

#include <optional>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "protocol/request.hpp"

using nlohmann::json;

TEST_SUITE("plain frame") {

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
    auto fast = chat::read_plain_frame(s.text);
    REQUIRE(fast);
    CHECK(fast->action == "ack");
    REQUIRE(fast->ack_ids);
    CHECK(*fast->ack_ids == s.ids);
    CHECK_FALSE(fast->body_text);
    CHECK(fast->ref == s.ref);
    // The same frame through the DOM: the same ref, the same ids.
    auto doc = json::parse(s.text);
    CHECK(fast->ref == (doc.contains("ref") && !doc["ref"].is_null() ? doc["ref"].dump() : ""));
    CHECK(*fast->ack_ids == doc["body"]["ids"].get<chat::id_list>());
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
        R"({"body":{"ids":["m1"]},"action":"send"})",           // an ack's body, then "send"
        R"({"action":"ack","body":{"ids":["m1"]}} trailing)",   // not JSON
        R"({"action":"ack","body":{"ids":["m1"]})",             // cut short
        "[\"ack\"]", ""}) {
    CAPTURE(text);
    CHECK_FALSE(chat::read_plain_frame(text));
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

TEST_CASE("a plain send or dm is read without a DOM and its body text parses to the DOM body") {
  struct sample {
    const char* text;
    const char* action;
    const char* target;
    const char* ref;
    const char* body_text; // compact, the sender's key order, numbers as dump()
  };
  const sample samples[] = {
    {R"({"action":"send","target":"devroom","body":{"text":"hi"},"ref":"r1"})", "send", "devroom",
     R"("r1")", R"({"text":"hi"})"},
    {R"({"action":"dm","target":"@bob","body":{}})", "dm", "@bob", "", "{}"},
    {R"( { "ref" : 7 , "action" : "send" , "target" : "a" , "body" : { "z" : [ 1 , -2 , 3.50 ] ,)"
     R"( "a" : { "b" : null , "c" : [ ] , "d" : { } } , "e" : true , "f" : false } } )",
     "send", "a", "7", R"({"z":[1,-2,3.5],"a":{"b":null,"c":[],"d":{}},"e":true,"f":false})"},
    {R"({"action":"send","target":"r","body":{"t":"\"q\"\\\u0001\n\u00e9\ud83d\ude00","n":18446744073709551615,"m":-9223372036854775808,"x":1e3}})",
     "send", "r", "",
     "{\"t\":\"\\\"q\\\"\\\\\\u0001\\n\xc3\xa9\xf0\x9f\x98\x80\",\"n\":18446744073709551615,"
     "\"m\":-9223372036854775808,\"x\":1000.0}"},
    {R"({"action":"send","target":null,"ref":null,"body":{"a":[[[{"b":[]}]]]}})", "send", "", "",
     R"({"a":[[[{"b":[]}]]]})"},
    {R"({"action":"send","target":"r","body":{"dup":1,"dup":2}})", "send", "r", "",
     R"({"dup":1,"dup":2})"},
  };
  for (const auto& s : samples) {
    CAPTURE(s.text);
    auto fast = chat::read_plain_frame(s.text);
    REQUIRE(fast);
    CHECK(fast->action == s.action);
    CHECK(fast->target == s.target);
    CHECK(fast->ref == s.ref);
    CHECK_FALSE(fast->ack_ids);
    REQUIRE(fast->body_text);
    CHECK(*fast->body_text == s.body_text);
    // What a receiver reads is what the DOM read (a repeated key included:
    // the last one wins in both).
    auto doc = json::parse(s.text);
    CHECK(json::parse(*fast->body_text) == doc["body"]);
    std::string ref;
    auto req = chat::parse_request(s.text, ref);
    REQUIRE(req);
    CHECK(req->action == s.action);
    CHECK(req->target == s.target);
    CHECK(ref == s.ref);
    auto text = chat::object_body_text(*req);
    REQUIRE(text);
    CHECK(*text == s.body_text);
  }
}

TEST_CASE("sends and dms of any other shape go through the DOM with its errors") {
  for (const char* text : {
         R"({"action":"send","target":"r","body":"hi"})",              // a body that is no object
         R"({"action":"send","target":"r","body":[1]})",               // an array body
         R"({"action":"send","target":"r","body":null})",              // a null body
         R"({"action":"send","target":"r"})",                          // no body
         R"({"target":"r","body":{"text":"hi"},"action":"send"})",     // the body before the action
         R"({"action":"send","target":"r","body":{"a":1},"body":{}})", // a repeated key
         R"({"action":"send","target":"r","body":{"a":1},"x":1})",     // another top-level key
         R"({"action":"send","target":5,"body":{"a":1}})",             // a target of the wrong type
         R"({"action":"send","target":"r","ref":2.5,"body":{"a":1}})", // a float ref
         R"({"action":"join","target":"r","body":{"a":1}})",           // another action
         R"({"action":"send","target":"r","body":{"a":1})",            // cut short
         R"({"action":"send","target":"r","body":{"a":1}} x)",         // trailing garbage
       }) {
    CAPTURE(text);
    CHECK_FALSE(chat::read_plain_frame(text));
  }
  std::string ref;
  auto no_object
    = chat::parse_request(R"({"action":"send","target":"r","body":[1],"ref":"x"})", ref);
  REQUIRE(no_object);
  CHECK_FALSE(chat::object_body_text(*no_object)); // on_send answers bad_request
  CHECK(ref == R"("x")");
  auto no_body = chat::parse_request(R"({"action":"send","target":"r"})", ref);
  REQUIRE(no_body);
  CHECK(chat::object_body_text(*no_body) == std::optional<std::string>{"{}"});
  auto late_action
    = chat::parse_request(R"({"target":"r","body":{"b":1,"a":2},"action":"send"})", ref);
  REQUIRE(late_action);
  CHECK(chat::object_body_text(*late_action) == std::optional<std::string>{R"({"a":2,"b":1})"});
}

} // TEST_SUITE("plain frame")
