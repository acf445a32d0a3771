// Unit tests of the ack reader (protocol/ack_frame): a plain ack frame is
// read without a DOM exactly as parse_request's DOM reads it, and every
// other shape is left to the DOM and its errors.
#include "protocol/ack_frame.hpp"

#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "protocol/request.hpp"

using nlohmann::json;

TEST_SUITE("ack frame") {

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

} // TEST_SUITE("ack frame")
