// Line formatting for chat-actors-cli; see format.hpp.
#include "cli/format.hpp"

#include <ctime>

namespace chat::cli {

using json = nlohmann::json;

namespace {

std::string str(const json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string())
    return j[key].get<std::string>();
  return "";
}

std::string sender(const json& frame) {
  return frame.contains("from") ? str(frame["from"], "name") : "";
}

} // namespace

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
  long long ts = frame.contains("ts") && frame["ts"].is_number() ? frame["ts"].get<long long>() : 0;
  std::string where = str(frame, "type") == "direct" ? "dm" : str(frame, "room");
  return clock_time(ts) + " [" + where + "] " + sender(frame) + ": "
         + body_text(frame.value("body", json::object()));
}

std::string format_frame(const json& frame) {
  auto type = str(frame, "type");
  if (type == "message" || type == "direct")
    return format_message(frame);
  if (type == "welcome")
    return "* welcome " + str(frame, "name") + " (channel " + str(frame, "channel") + ")";
  if (type == "joined")
    return "* joined " + str(frame, "room") + " ("
           + std::to_string(frame.value("members", json::array()).size()) + " members)";
  if (type == "left")
    return "* left " + str(frame, "room");
  if (type == "presence")
    return "* " + str(frame.value("user", json::object()), "name") + " "
           + (str(frame, "event") == "join" ? "joined " : "left ") + str(frame, "room");
  if (type == "members") {
    std::string line = "* " + str(frame, "room") + ":";
    for (auto& m : frame.value("members", json::array()))
      line += " " + str(m, "name") + (m.value("online", false) ? "*" : "");
    return line;
  }
  if (type == "rooms") {
    std::string line = "* rooms:";
    for (auto& r : frame.value("rooms", json::array()))
      line += " " + str(r, "name") + " (" + std::to_string(r.value("members", 0)) + ")";
    return line;
  }
  if (type == "history") {
    auto messages = frame.value("messages", json::array());
    if (messages.empty())
      return "* (no history in " + str(frame, "room") + ")";
    std::string lines;
    for (auto& m : messages) {
      json copy = m;
      if (!copy.contains("room"))
        copy["room"] = frame.value("room", "");
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
