// Unit tests of the login limiter (transport/login_limiter): login attempts
// and registrations limited per name and per address, refusals costing
// nothing, and the budgets full again a minute later.
#include "transport/login_limiter.hpp"

#include <doctest/doctest.h>

TEST_SUITE("login limiter") {

TEST_CASE("logins are limited per name and per address, refusals cost nothing") {
  chat::login_limiter logins{2, 3}; // per minute: 2 per name, 3 per address
  CHECK(logins.login("ann", "1.1.1.1", 0) == 0);
  CHECK(logins.login("ann", "1.1.1.1", 0) == 0);
  auto wait = logins.login("ann", "1.1.1.1", 0);
  CHECK(wait == 30000);                          // a new attempt every 30 s
  CHECK(logins.login("ann", "2.2.2.2", 0) > 0);  // the name is limited anywhere
  CHECK(logins.login("ben", "1.1.1.1", 0) == 0); // the address's third
  CHECK(logins.login("cat", "1.1.1.1", 0) > 0);
  CHECK(logins.registration("1.1.1.1", 0) > 0);
  CHECK(logins.registration("3.3.3.3", 0) == 0);
  // A minute later both buckets are full again.
  CHECK(logins.login("ann", "1.1.1.1", 60000) == 0);
  CHECK(logins.login("cat", "1.1.1.1", 60000) == 0);
}

} // TEST_SUITE("login limiter")
