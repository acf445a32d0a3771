// Unit tests of request parsing (protocol/request): a client frame read into
// a client_request, its ref kept as raw JSON, and bad_request for every
// malformed shape, with the ref still reported.
#include "protocol/request.hpp"

#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using nlohmann::json;

TEST_SUITE("request") {

TEST_CASE("a well-formed request is parsed with its ref kept as raw JSON") {
  std::string ref;
  auto req = chat::parse_request(
    R"({"action":"send","target":"devroom","body":{"text":"hi"},"ref":"r1"})", ref);
  REQUIRE(req);
  CHECK(req->action == "send");
  CHECK(req->target == "devroom");
  // A plain send keeps its body as text (protocol/plain_frame); a join, the DOM.
  REQUIRE(req->body_text);
  CHECK(json::parse(*req->body_text) == json{{"text", "hi"}});
  CHECK(req->ref == R"("r1")");
  CHECK(ref == R"("r1")");
  auto join = chat::parse_request(
    R"({"action":"join","target":"devroom","body":{"max_members":5},"ref":"r2"})", ref);
  REQUIRE(join);
  CHECK(join->action == "join");
  CHECK(join->target == "devroom");
  CHECK(join->body == json{{"max_members", 5}});
  CHECK_FALSE(join->body_text);
  CHECK(ref == R"("r2")");
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

} // TEST_SUITE("request")
