// Unit tests of the HTTP helpers (transport/http_util): percent-decoding,
// a target's path and query parameters, and the Bearer token of a request.
#include "transport/http_util.hpp"

#include <doctest/doctest.h>

TEST_SUITE("http util") {

TEST_CASE("percent-decoding handles escapes, plus signs and refuses NUL") {
  CHECK(chat::percent_decode("a%20b+c") == "a b c");
  CHECK(chat::percent_decode("%41%42") == "AB");
  CHECK_FALSE(chat::percent_decode("%4"));
  CHECK_FALSE(chat::percent_decode("%g1"));
  CHECK_FALSE(chat::percent_decode("a%00b"));
}

TEST_CASE("query parameters are found by exact key and decoded") {
  CHECK(chat::query_param("/history?room=dev%20room&page=2", "room") == "dev room");
  CHECK(chat::query_param("/history?room=a&page=2", "page") == "2");
  CHECK_FALSE(chat::query_param("/history?rooms=a", "room"));
  CHECK_FALSE(chat::query_param("/history", "room"));
  CHECK(chat::query_param("/ws?token=", "token") == "");
  CHECK(chat::target_path("/ws?token=x") == "/ws");
}

TEST_CASE("Bearer tokens are read from the Authorization header") {
  chat::http_request req;
  CHECK(chat::bearer_token(req).empty());
  req.set(chat::http::field::authorization, "Bearer abc123");
  CHECK(chat::bearer_token(req) == "abc123");
  req.set(chat::http::field::authorization, "Basic abc123");
  CHECK(chat::bearer_token(req).empty());
}

} // TEST_SUITE("http util")
