// The command line of chat-actors-cli: where to connect (WebSocket URL or
// raw TCP), who to be, and which mode to run (send, listen, interactive).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace chat::cli {

/// host:port of one server endpoint, and whether it speaks TLS (wss://,
/// https://) with the CA file that checks its certificate (empty: the
/// system's CAs).
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;
  std::string ca_file;
};

enum class mode { interactive, send, listen };

struct options {
  endpoint http;               // POST /login, /register (and the WebSocket)
  std::optional<endpoint> tcp; // set: raw TCP JSON mode instead of WebSocket
  std::string name;
  std::string password;
  bool register_first = false;
  cli::mode mode = mode::interactive;
  std::string room; // --send / --listen
  std::string text; // --send
  int count = 1;    // --listen
};

/// The usage text printed on bad arguments and --help.
const char* usage();

/// Parses argv; on failure returns nullopt and sets `error`. Reads the
/// password from --password-file (trailing newline dropped) or
/// $CHAT_PASSWORD. `help` is set when --help was given.
std::optional<options> parse_options(int argc, char** argv, std::string& error, bool& help);

/// "host:port" (an optional "ws://", "http://", "wss://" or "https://"
/// prefix, the last two for TLS, and a path allowed) -> endpoint.
std::optional<endpoint> parse_endpoint(std::string text);

} // namespace chat::cli
