// Unit tests of the name rules (protocol/names): which user and room names
// the protocol accepts, and a user's own channel.
#include "protocol/names.hpp"

#include <string>

#include <doctest/doctest.h>

TEST_SUITE("names") {

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

} // TEST_SUITE("names")
