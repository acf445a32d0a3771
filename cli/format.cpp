// Line formatting for chat-actors-cli; see format.hpp.
#include "cli/format.hpp"

#include <ctime>

namespace chat::cli {

using json = nlohmann::json;

namespace {

/// The field if `j` is an object that has it, else nullptr.
const json* field(const json& j, const char* key) {
  if (!j.is_object())
    return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string str(const json& j, const char* key) {
  return text_of(j, key);
}

/// The "name" of the object in `frame[key]` ("from", "user").
std::string name_in(const json& frame, const char* key) {
  const auto* who = field(frame, key);
  return who ? str(*who, "name") : "";
}

} // namespace

std::string text_of(const json& frame, const char* key, std::string fallback) {
  const auto* f = field(frame, key);
  return f && f->is_string() ? f->get<std::string>() : std::move(fallback);
}

json array_of(const json& frame, const char* key) {
  const auto* f = field(frame, key);
  return f && f->is_array() ? *f : json::array();
}

long long number_of(const json& frame, const char* key, long long fallback) {
  const auto* f = field(frame, key);
  return f && f->is_number_integer() ? f->get<long long>() : fallback;
}

bool flag_of(const json& frame, const char* key) {
  const auto* f = field(frame, key);
  return f && f->is_boolean() && f->get<bool>();
}

std::string clock_time(long long ts_ms) {
  std::time_t secs = static_cast<std::time_t>(ts_ms / 1000);
  std::tm parts{};
  localtime_r(&secs, &parts);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%H:%M:%S", &parts);
  return buf;
}

std::string body_text(const json& body) {
  std::string text = body.is_object() && body.contains("text") && body["text"].is_string()
                       ? body["text"].get<std::string>()
                       : body.dump();
  for (auto& c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  return text;
}

std::string format_message(const json& frame) {
  std::string where = str(frame, "type") == "direct" ? "dm" : str(frame, "room");
  const auto* body = field(frame, "body");
  return clock_time(number_of(frame, "ts")) + " [" + where + "] " + name_in(frame, "from") + ": "
         + body_text(body ? *body : json::object());
}

std::string format_frame(const json& frame) {
  auto type = str(frame, "type");
  if (type == "message" || type == "direct")
    return format_message(frame);
  if (type == "welcome")
    return "* welcome " + str(frame, "name") + " (channel " + str(frame, "channel") + ")";
  if (type == "joined")
    return "* joined " + str(frame, "room") + " ("
           + std::to_string(array_of(frame, "members").size()) + " members)";
  if (type == "left")
    return "* left " + str(frame, "room");
  if (type == "presence")
    return "* " + name_in(frame, "user") + " "
           + (str(frame, "event") == "join" ? "joined " : "left ") + str(frame, "room");
  if (type == "members") {
    std::string line = "* " + str(frame, "room") + ":";
    for (auto& m : array_of(frame, "members"))
      if (m.is_object())
        line += " " + str(m, "name") + (flag_of(m, "online") ? "*" : "");
    return line;
  }
  if (type == "rooms") {
    std::string line = "* rooms:";
    for (auto& r : array_of(frame, "rooms"))
      if (r.is_object())
        line += " " + str(r, "name") + " (" + std::to_string(number_of(r, "members")) + ")";
    if (flag_of(frame, "more"))
      line += " ... (more: /rooms all)";
    return line;
  }
  if (type == "history") {
    auto messages = array_of(frame, "messages");
    if (messages.empty())
      return "* (no history in " + str(frame, "room") + ")";
    std::string lines;
    for (auto& m : messages) {
      if (!m.is_object())
        continue;
      json copy = m;
      if (!copy.contains("room"))
        copy["room"] = str(frame, "room");
      lines += (lines.empty() ? "" : "\n") + format_message(copy);
    }
    return lines;
  }
  if (type == "truncated")
    return "* older messages in " + str(frame, "room") + " were cut: use /history";
  if (type == "error")
    return "! " + str(frame, "code") + ": " + str(frame, "message");
  if (type == "pong")
    return "* pong";
  return ""; // sent, acked, replayed
}

} // namespace chat::cli
