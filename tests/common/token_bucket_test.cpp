// The token bucket behind the per-connection frame budget and the login
// limiter: burst, refill, retry hints, and giving tokens back.
#include "common/token_bucket.hpp"

#include <doctest/doctest.h>

TEST_SUITE("rate limiter") {

TEST_CASE("a full bucket lets a burst through, then refuses with the wait until a token") {
  chat::token_bucket b{5, 10, 0}; // 5 per second, burst 10
  for (int i = 0; i < 10; ++i)
    CHECK(b.take(1, 0) == 0);
  CHECK(b.take(1, 0) == 200); // one token takes 1000 / 5 ms
  CHECK(b.take(1, 100) == 100);
  CHECK(b.take(1, 200) == 0);
  CHECK(b.take(1, 200) == 200);
}

TEST_CASE("cheap requests cost a fraction, and refills never exceed the burst") {
  chat::token_bucket b{1, 2, 0};
  for (int i = 0; i < 8; ++i)
    CHECK(b.take(0.25, 0) == 0);
  CHECK(b.take(0.25, 0) == 250);
  CHECK(b.full(60000));
  for (int i = 0; i < 2; ++i)
    CHECK(b.take(1, 60000) == 0); // a minute idle is still only the burst
  CHECK(b.take(1, 60000) > 0);
}

TEST_CASE("give_back returns tokens taken for something that did not happen") {
  chat::token_bucket b{1, 1, 0};
  CHECK(b.take(1, 0) == 0);
  CHECK(b.take(1, 0) == 1000);
  b.give_back(1);
  CHECK(b.take(1, 0) == 0);
  b.give_back(5); // never above the burst
  CHECK(b.take(1, 0) == 0);
  CHECK(b.take(1, 0) > 0);
}

} // TEST_SUITE("rate limiter")
