// Fuzzes the raw TCP port's text handling as tcp_session applies it to each
// newline-terminated line: the first line through parse_greeting
// (transport/tcp_login.cpp), every later one, with a trailing '\r' dropped,
// through line mode's parse_line and command_frame
// (transport/line_format.cpp). The byte framing itself (take_lines) is a
// member of tcp_session and needs a socket and an actor system: it is not
// driven here.
//
// Asserts, besides no crash, leak or UB:
// - a greeting is a login (line mode: with name, password and room) or a
//   token auth, never both;
// - a typed line becomes exactly one command; `bad` always says why, `join`
//   and `dm` name a target without spaces;
// - the frame a command sends to the connection actor, serialized as
//   tcp_session::to_actor does (invalid UTF-8 replaced), is accepted by
//   parse_request with the intended action, and `say` keeps the current room.
#include "protocol/request.hpp"
#include "transport/line_format.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

#include "protocol/frames.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "transport/tcp_login.hpp"

namespace {

using json = nlohmann::json;
using kind = chat::line_command::kind;

void check_line(const std::string& line, const std::string& room) {
  auto cmd = chat::parse_line(line);
  switch (cmd.what) {
    case kind::bad: FUZZ_CHECK(!cmd.text.empty(), "bad says why"); return;
    case kind::quit: return;
    case kind::join:
    case kind::dm:
      FUZZ_CHECK(!cmd.arg.empty() && cmd.arg.find(' ') == std::string::npos,
                 "join/dm name one word");
      break;
    default: break;
  }
  auto text = chat::command_frame(cmd, room).dump(-1, ' ', false, json::error_handler_t::replace);
  std::string ref;
  auto req = chat::parse_request(text, ref);
  FUZZ_CHECK(static_cast<bool>(req), "line mode sends valid requests");
  static const char* const actions[] = {"send", "join", "dm", "who", "rooms", "history"};
  const char* want = cmd.what == kind::say     ? actions[0]
                     : cmd.what == kind::join  ? actions[1]
                     : cmd.what == kind::dm    ? actions[2]
                     : cmd.what == kind::who   ? actions[3]
                     : cmd.what == kind::rooms ? actions[4]
                                               : actions[5];
  FUZZ_CHECK(req->action == want, "command keeps its action");
  if (cmd.what == kind::say) {
    auto body = chat::object_body_text(*req); // read with or without the DOM
    FUZZ_CHECK(req->target == room && body && json::parse(*body).contains("text"),
               "say goes to the room");
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string in{reinterpret_cast<const char*>(data), size};
  std::string room = "devroom";
  bool first = true;
  for (std::size_t pos = 0; pos < in.size();) {
    auto nl = in.find('\n', pos);
    auto line = in.substr(pos, nl == std::string::npos ? nl : nl - pos);
    pos = nl == std::string::npos ? in.size() : nl + 1;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty())
      continue;
    if (first) {
      first = false;
      if (auto g = chat::parse_greeting(line)) {
        FUZZ_CHECK(!g->login || g->token.empty(), "a login carries no token");
        FUZZ_CHECK(!g->line_mode || g->login, "line mode logs in");
        if (g->line_mode)
          room = g->room;
      }
      continue;
    }
    check_line(line, room);
  }
  return 0;
}
