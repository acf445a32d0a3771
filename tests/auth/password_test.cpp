// Unit tests of the password and token primitives (auth/password).
#include "auth/password.hpp"

#include <doctest/doctest.h>

#include <set>

namespace {

const chat::auth::hash_cost cheap{1, 8 * 1024};

} // namespace

TEST_SUITE("auth") {

TEST_CASE("a password verifies against its own hash and no other password") {
  REQUIRE(chat::auth::init());
  auto encoded = chat::auth::hash_password("correct horse", cheap);
  REQUIRE_FALSE(encoded.empty());
  CHECK(encoded.rfind("$argon2id$", 0) == 0);
  CHECK(chat::auth::verify_password(encoded, "correct horse"));
  CHECK_FALSE(chat::auth::verify_password(encoded, "correct horse "));
  CHECK_FALSE(chat::auth::verify_password(encoded, ""));
  CHECK_FALSE(chat::auth::verify_password("not a hash", "correct horse"));
}

TEST_CASE("the same password hashes differently each time (salted)") {
  REQUIRE(chat::auth::init());
  CHECK(chat::auth::hash_password("pw123456", cheap)
        != chat::auth::hash_password("pw123456", cheap));
}

TEST_CASE("tokens carry 256 random bits and user ids are 16 characters") {
  REQUIRE(chat::auth::init());
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto token = chat::auth::random_token();
    CHECK(token.size() == 64);
    seen.insert(token);
    auto id = chat::auth::random_user_id();
    CHECK(id.size() == 16);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  CHECK(seen.size() == 1000);
}

TEST_CASE("a token's digest is stable, differs from the token and per token") {
  REQUIRE(chat::auth::init());
  auto token = chat::auth::random_token();
  CHECK(chat::auth::token_digest(token) == chat::auth::token_digest(token));
  CHECK(chat::auth::token_digest(token) != token);
  CHECK(chat::auth::token_digest(token) != chat::auth::token_digest(chat::auth::random_token()));
}

TEST_CASE("secrets compare equal only when identical") {
  CHECK(chat::auth::equal_secret("s3cret", "s3cret"));
  CHECK_FALSE(chat::auth::equal_secret("s3cret", "s3creT"));
  CHECK_FALSE(chat::auth::equal_secret("s3cret", "s3cret!"));
  CHECK(chat::auth::equal_secret("", ""));
}

} // TEST_SUITE("auth")
