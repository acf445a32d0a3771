// connection_limits (max_connections, per-address caps) and login_limiter,
// without sockets: slots given back on destruction, caps per address, and
// login attempts limited per name and per address.
#include "transport/connection_limits.hpp"
#include "transport/login_limiter.hpp"

#include <vector>

#include <doctest/doctest.h>

TEST_SUITE("transport limits") {

TEST_CASE("max_connections: the last place goes once, and comes back with the slot") {
  auto limits = std::make_shared<chat::connection_limits>(2, 100);
  auto a = limits->take_connection();
  auto b = limits->take_connection();
  CHECK(a);
  CHECK(b);
  CHECK_FALSE(limits->take_connection());
  CHECK(limits->live() == 2);
  a = {}; // destroyed: the place is free again
  CHECK(limits->live() == 1);
  auto c = limits->take_connection();
  CHECK(c);
  CHECK(limits->live() == 2);
}

TEST_CASE("per-address caps count each address on its own and forget empty ones") {
  auto limits = std::make_shared<chat::connection_limits>(100, 2);
  std::vector<chat::connection_limits::slot> held;
  held.push_back(limits->take_address("10.0.0.1"));
  held.push_back(limits->take_address("10.0.0.1"));
  CHECK_FALSE(limits->take_address("10.0.0.1"));
  auto other = limits->take_address("10.0.0.2");
  CHECK(other);
  CHECK(limits->addresses() == 2);
  held.clear();
  CHECK(limits->addresses() == 1);
  CHECK(limits->take_address("10.0.0.1"));
}

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

} // TEST_SUITE("transport limits")
