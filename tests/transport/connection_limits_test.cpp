// Unit tests of connection_limits (transport/connection_limits), without
// sockets: max_connections places given back when a slot is destroyed, and
// per-address caps counted for each address on its own.
#include "transport/connection_limits.hpp"

#include <memory>
#include <vector>

#include <doctest/doctest.h>

TEST_SUITE("connection limits") {

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

} // TEST_SUITE("connection limits")
