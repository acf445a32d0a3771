#include "transport/line_format.hpp"

namespace chat {

namespace {

using json = nlohmann::json;

const char* const commands = "/join ROOM, /dm NAME TEXT, /who, /rooms [all], /history, /quit";

// How many public rooms, and how many channels, /rooms lists besides the
// user's own: a server lists a channel per account.
constexpr int rooms_offer = 30;

// A string field, or "" when missing or not a string.
std::string str(const json& j, const char* key) {
  if (!j.is_object())
    return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

// Text from another client may hold newlines: one frame stays one line.
std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n' || c == '\r')
      c = ' ';
  return text;
}

// body.text, or the body's JSON when it has no text.
std::string body_text(const json& frame) {
  auto body = frame.find("body");
  if (body == frame.end())
    return {};
  if (auto text = body->find("text"); body->is_object() && text != body->end() && text->is_string())
    return one_line(text->get<std::string>());
  return body->dump();
}

std::string from_name(const json& frame) {
  auto from = frame.find("from");
  return from == frame.end() ? std::string{} : str(*from, "name");
}

std::string message_line(const json& m) {
  return "[" + str(m, "room") + "] " + from_name(m) + ": " + body_text(m);
}

// "alice*, bob": a star marks who is online.
std::string member_names(const json& frame) {
  std::string out;
  auto members = frame.find("members");
  if (members == frame.end() || !members->is_array())
    return out;
  for (const auto& m : *members) {
    if (!out.empty())
      out += ", ";
    out += str(m, "name");
    if (m.is_object() && m.value("online", false))
      out += '*';
  }
  return out;
}

std::optional<std::string> first_word(std::string& rest) {
  auto start = rest.find_first_not_of(' ');
  if (start == std::string::npos)
    return std::nullopt;
  auto end = rest.find(' ', start);
  auto word = rest.substr(start, end - start);
  rest = end == std::string::npos ? std::string{} : rest.substr(end + 1);
  return word;
}

line_command bad(std::string text) {
  return {line_command::kind::bad, {}, std::move(text)};
}

} // namespace

line_command parse_line(const std::string& line) {
  using kind = line_command::kind;
  if (line.empty() || line[0] != '/')
    return {kind::say, {}, line};
  if (line.size() > 1 && line[1] == '/')
    return {kind::say, {}, line.substr(1)};
  std::string rest = line.substr(1);
  auto name = first_word(rest).value_or("");
  if (name == "join") {
    auto room = first_word(rest);
    if (!room)
      return bad("usage: /join ROOM");
    return {kind::join, *room, {}};
  }
  if (name == "dm") {
    auto user = first_word(rest);
    if (!user || rest.find_first_not_of(' ') == std::string::npos)
      return bad("usage: /dm NAME TEXT");
    return {kind::dm, *user, rest};
  }
  if (name == "who")
    return {kind::who, {}, {}};
  if (name == "rooms") {
    auto which = first_word(rest).value_or("");
    if (!which.empty() && which != "all")
      return bad("usage: /rooms [all]");
    return {kind::rooms, which, {}};
  }
  if (name == "history")
    return {kind::history, {}, {}};
  if (name == "quit")
    return {kind::quit, {}, {}};
  return bad("unknown command /" + name + " (commands: " + commands + ")");
}

json command_frame(const line_command& cmd, const std::string& room) {
  using kind = line_command::kind;
  switch (cmd.what) {
    case kind::say: return {{"action", "send"}, {"target", room}, {"body", {{"text", cmd.text}}}};
    case kind::join: return {{"action", "join"}, {"target", cmd.arg}};
    case kind::who: return {{"action", "who"}, {"target", room}};
    case kind::rooms: // a page of what is on offer, unless all were asked for
      if (cmd.arg == "all")
        return {{"action", "rooms"}};
      return {{"action", "rooms"}, {"body", {{"offer", rooms_offer}}}};
    case kind::history: return {{"action", "history"}, {"target", room}, {"body", {{"page", 0}}}};
    case kind::dm: // by name: the connection resolves "@name"
      return {{"action", "dm"}, {"target", "@" + cmd.arg}, {"body", {{"text", cmd.text}}}};
    default: return {};
  }
}

std::optional<std::string> format_frame(const json& frame) {
  auto type = str(frame, "type");
  if (type == "message")
    return message_line(frame);
  if (type == "direct")
    return "[dm] " + from_name(frame) + ": " + body_text(frame);
  if (type == "presence") {
    auto user = frame.find("user");
    auto who = user == frame.end() ? std::string{} : str(*user, "name");
    auto event = str(frame, "event") == "join" ? " joined " : " left ";
    return "* " + who + event + str(frame, "room");
  }
  if (type == "joined") {
    auto members = frame.find("members");
    auto n = members != frame.end() && members->is_array() ? members->size() : 0;
    return "joined " + str(frame, "room") + " (" + std::to_string(n)
           + (n == 1 ? " member)" : " members)");
  }
  if (type == "members")
    return str(frame, "room") + ": " + member_names(frame);
  if (type == "rooms") {
    std::string out = "rooms:";
    if (auto rooms = frame.find("rooms"); rooms != frame.end() && rooms->is_array())
      for (const auto& r : *rooms)
        out += " " + str(r, "name") + " (" + std::to_string(r.value("members", 0)) + ")";
    if (auto more = frame.find("more"); more != frame.end() && more->is_boolean() && *more)
      out += " ... (more: /rooms all)";
    return out;
  }
  if (type == "history") {
    std::string out;
    if (auto msgs = frame.find("messages"); msgs != frame.end() && msgs->is_array())
      for (const auto& m : *msgs)
        out += (out.empty() ? "" : "\n") + message_line(m);
    if (out.empty())
      out = "(no history in " + str(frame, "room") + ")";
    return out;
  }
  if (type == "error")
    return error_line(str(frame, "code"), str(frame, "message"));
  if (type == "pong")
    return "pong";
  if (type == "welcome")
    return "welcome " + str(frame, "name") + " (channel " + str(frame, "channel") + ")";
  if (type == "truncated")
    return "* older messages in " + str(frame, "room") + " were cut: use /history";
  // sent, acked, replayed, left: nothing to show.
  return std::nullopt;
}

std::optional<std::string> ack_id(const json& frame) {
  auto type = str(frame, "type");
  if (type != "message" && type != "direct")
    return std::nullopt;
  auto id = str(frame, "id");
  return id.empty() ? std::nullopt : std::optional<std::string>{id};
}

std::string error_line(const std::string& code, const std::string& message) {
  return "! " + code + ": " + message;
}

} // namespace chat
