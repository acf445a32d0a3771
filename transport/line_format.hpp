// Line mode of the raw TCP transport, as pure functions: what a user types
// (plain text or a "/" command) and how a server frame reads as text. The
// session (tcp_session) turns commands into frames for its connection actor
// and frames from the actor into these lines. Private to transport/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace chat {

/// One line typed in line mode.
struct line_command {
  enum class kind { say, join, dm, who, rooms, history, quit, bad };
  kind what = kind::bad;
  std::string arg;  // join: the room; dm: the user name; rooms: "all" or empty
  std::string text; // say, dm: the text; bad: what is wrong
};

/// Plain text is `say`; "/join ROOM", "/dm NAME TEXT", "/who", "/rooms
/// [all]" (without "all": a page of the rooms on offer), "/history", "/quit"
/// are commands; "//text" says "/text". Anything else
/// starting with "/" is `bad`.
line_command parse_line(const std::string& line);

/// The client frame for a command that needs no lookup (all but dm, quit and
/// bad), with `room` the current room.
nlohmann::json command_frame(const line_command& cmd, const std::string& room);

/// The text shown for a server frame: one or more lines joined by '\n' (no
/// trailing newline); nullopt for frames not shown (sent, acked, replayed,
/// left).
std::optional<std::string> format_frame(const nlohmann::json& frame);

/// The id by which a shown frame must be acked: a message's or a direct's.
std::optional<std::string> ack_id(const nlohmann::json& frame);

/// An error as a line: "! code: message".
std::string error_line(const std::string& code, const std::string& message);

} // namespace chat
