// Unit tests of the chat error category: chat errors keep their code and
// text; CAF's own errors are reported as what they are, not as a chat code.
#include "protocol/chat_error.hpp"

#include <doctest/doctest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/sec.hpp>

TEST_SUITE("chat_error") {

TEST_CASE("a chat error keeps its code and its text") {
  auto err = chat::make_error(chat::chat_errc::room_full, "the room is full");
  CHECK(chat::to_chat_errc(err) == chat::chat_errc::room_full);
  CHECK(chat::error_text(err) == "the room is full");
  CHECK(chat::error_text(chat::make_error(chat::chat_errc::busy)) == "busy");
}

TEST_CASE("a request timeout is timeout, and other CAF errors are internal, named") {
  CHECK(chat::to_chat_errc(caf::make_error(caf::sec::request_timeout)) == chat::chat_errc::timeout);
  // A message nobody handles, or a request to an actor that is gone: not
  // "storage" or any other chat code.
  auto unexpected = caf::make_error(caf::sec::unexpected_message);
  CHECK(chat::to_chat_errc(unexpected) == chat::chat_errc::internal);
  CHECK(chat::error_text(unexpected) == "internal error: unexpected_message");
  auto gone = caf::make_error(caf::sec::request_receiver_down);
  CHECK(chat::to_chat_errc(gone) == chat::chat_errc::internal);
  CHECK(chat::error_text(gone) == "internal error: request_receiver_down");
  CHECK(std::string{chat::to_code(chat::chat_errc::internal)} == "internal");
}

TEST_CASE("an actor system with the category renders chat errors by name") {
  caf::actor_system_config cfg;
  chat::add_chat_error_category(cfg);
  caf::actor_system sys{cfg};
  CHECK(sys.render(chat::make_error(chat::chat_errc::not_member, "join first"))
        == "chat_errc::not_member (join first)");
}

} // TEST_SUITE("chat_error")
