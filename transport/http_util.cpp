#include "transport/http_util.hpp"

#include <nlohmann/json.hpp>

namespace chat {

http_response json_response(const http_request& req, http::status status, std::string body) {
  http_response res{status, req.version()};
  res.set(http::field::server, "chat-actors");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http_response error_response(const http_request& req, http::status status,
                             const std::string& text) {
  return json_response(req, status, nlohmann::json{{"error", text}}.dump());
}

http::status status_of(chat_errc code) {
  switch (code) {
    case chat_errc::bad_request: return http::status::bad_request;
    case chat_errc::unauthorized: return http::status::unauthorized;
    case chat_errc::forbidden:
    case chat_errc::not_member: return http::status::forbidden;
    case chat_errc::unknown_room: return http::status::not_found;
    case chat_errc::name_taken: return http::status::conflict;
    case chat_errc::too_large: return http::status::payload_too_large;
    case chat_errc::rate_limited: return http::status::too_many_requests;
    case chat_errc::busy:
    case chat_errc::timeout: return http::status::service_unavailable;
    default: return http::status::internal_server_error;
  }
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size())
        return std::nullopt;
      int hi = hex_value(in[i + 1]);
      int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    if (c == '\0')
      return std::nullopt;
    out += c;
  }
  return out;
}

std::string_view target_path(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::optional<std::string> query_param(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos)
    return std::nullopt;
  auto query = target.substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key)
      return percent_decode(eq == std::string_view::npos ? std::string_view{}
                                                         : pair.substr(eq + 1));
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string bearer_token(const http_request& req) {
  auto it = req.find(http::field::authorization);
  if (it == req.end())
    return {};
  std::string_view value{it->value().data(), it->value().size()};
  constexpr std::string_view prefix = "Bearer ";
  if (value.substr(0, prefix.size()) != prefix)
    return {};
  return std::string(value.substr(prefix.size()));
}

} // namespace chat
