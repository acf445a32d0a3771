#include "protocol/request.hpp"

#include "protocol/plain_frame.hpp"

namespace chat {

namespace {

using json = nlohmann::json;

} // namespace

caf::expected<client_request> parse_request(std::string_view text, std::string& ref_out) {
  if (auto plain = read_plain_frame(text)) {
    ref_out = plain->ref;
    return std::move(*plain);
  }
  auto doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return make_error(chat_errc::bad_request, "frame is not a JSON object");
  client_request req;
  if (auto ref = doc.find("ref"); ref != doc.end() && !ref->is_null()) {
    req.ref = ref->dump();
    ref_out = req.ref;
  }
  auto action = doc.find("action");
  if (action == doc.end() || !action->is_string())
    return make_error(chat_errc::bad_request, "\"action\" must be a string");
  req.action = action->get<std::string>();
  if (auto target = doc.find("target"); target != doc.end() && !target->is_null()) {
    if (!target->is_string())
      return make_error(chat_errc::bad_request, "\"target\" must be a string");
    req.target = target->get<std::string>();
  }
  if (auto body = doc.find("body"); body != doc.end() && !body->is_null())
    req.body = std::move(*body);
  else
    req.body = json::object();
  return req;
}

std::optional<std::string> object_body_text(client_request& req) {
  if (req.body_text)
    return std::move(req.body_text);
  if (!req.body.is_object())
    return std::nullopt;
  return req.body.dump();
}

} // namespace chat
