#include "protocol/chat_error.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace chat {

namespace {

std::string context_text(const caf::message& ctx) {
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return {};
}

} // namespace

const char* to_code(chat_errc code) {
  switch (code) {
    case chat_errc::bad_request: return "bad_request";
    case chat_errc::unknown_action: return "unknown_action";
    case chat_errc::unauthorized: return "unauthorized";
    case chat_errc::forbidden: return "forbidden";
    case chat_errc::not_member: return "not_member";
    case chat_errc::room_full: return "room_full";
    case chat_errc::unknown_room: return "unknown_room";
    case chat_errc::too_large: return "too_large";
    case chat_errc::name_taken: return "name_taken";
    case chat_errc::busy: return "busy";
    case chat_errc::storage: return "storage";
    case chat_errc::timeout: return "timeout";
    case chat_errc::unknown_user: return "unknown_user";
    case chat_errc::rate_limited: return "rate_limited";
    case chat_errc::internal: return "internal";
  }
  return "internal";
}

chat_errc to_chat_errc(const caf::error& err) {
  if (err.category() == chat_error_category)
    return static_cast<chat_errc>(err.code());
  if (err == caf::sec::request_timeout)
    return chat_errc::timeout;
  return chat_errc::internal;
}

std::string error_text(const caf::error& err) {
  if (err.category() == chat_error_category) {
    auto text = context_text(err.context());
    return text.empty() ? to_code(static_cast<chat_errc>(err.code())) : text;
  }
  if (err == caf::sec::request_timeout)
    return "timeout";
  if (err.category() == caf::atom("system"))
    return "internal error: " + caf::to_string(static_cast<caf::sec>(err.code()));
  return "internal error: " + caf::to_string(err);
}

caf::error make_error(chat_errc code) {
  return caf::error{static_cast<std::uint8_t>(code), chat_error_category};
}

caf::error make_error(chat_errc code, std::string text) {
  return caf::error{static_cast<std::uint8_t>(code), chat_error_category,
                    caf::make_message(std::move(text))};
}

void add_chat_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(chat_error_category,
                         [](std::uint8_t code, caf::atom_value, const caf::message& ctx) {
                           auto text = context_text(ctx);
                           std::string out = "chat_errc::";
                           out += to_code(static_cast<chat_errc>(code));
                           return text.empty() ? out : out + " (" + text + ")";
                         });
}

} // namespace chat
