// Argument parsing for chat-actors-cli; see options.hpp.
#include "cli/options.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace chat::cli {

const char* usage() {
  return "usage: chat-actors-cli (--url ws[s]://HOST:PORT | --tcp HOST:PORT [--http HOST:PORT])\n"
         "                       [--ca-file FILE] --name NAME [--password-file FILE]\n"
         "                       [--register] [--send ROOM TEXT | --listen ROOM [--count N]]\n"
         "  --url            WebSocket server (also used for HTTP login); wss:// for TLS\n"
         "  --ca-file        PEM CA that checks a wss:// or https:// server's certificate\n"
         "                   (default: the system's CAs)\n"
         "  --tcp            raw TCP JSON mode instead of WebSocket\n"
         "  --http           HTTP host:port for login with --tcp (default: from --url,\n"
         "                   else 127.0.0.1:8080)\n"
         "  --password-file  file holding the password (trailing newline ignored);\n"
         "                   without it the password comes from $CHAT_PASSWORD\n"
         "  --register       POST /register first (an existing account is fine)\n"
         "  --send ROOM TEXT join ROOM, send TEXT, wait for 'sent', exit\n"
         "  --listen ROOM    join ROOM, print --count N messages (default 1), ack, exit\n"
         "  without --send/--listen: interactive, stdin lines; /help lists commands\n";
}

std::optional<endpoint> parse_endpoint(std::string text) {
  struct scheme {
    std::string prefix;
    bool tls;
  };
  bool tls = false;
  for (const scheme& s : {scheme{"ws://", false}, scheme{"http://", false}, scheme{"tcp://", false},
                          scheme{"wss://", true}, scheme{"https://", true}})
    if (text.rfind(s.prefix, 0) == 0) {
      tls = s.tls;
      text.erase(0, s.prefix.size());
    }
  if (auto slash = text.find('/'); slash != std::string::npos)
    text.erase(slash);
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return std::nullopt;
  auto port_text = text.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5)
    return std::nullopt;
  auto port = std::stoul(port_text);
  if (port == 0 || port > 65535)
    return std::nullopt;
  return endpoint{text.substr(0, colon), static_cast<std::uint16_t>(port), tls, {}};
}

namespace {

std::optional<std::string> read_password(const std::string& file, std::string& error) {
  std::string password;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      error = "cannot read password file " + file;
      return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    password = text.str();
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
  } else if (const char* env = std::getenv("CHAT_PASSWORD")) {
    password = env;
  }
  if (password.empty()) {
    error = "no password: use --password-file FILE or set CHAT_PASSWORD";
    return std::nullopt;
  }
  return password;
}

} // namespace

std::optional<options> parse_options(int argc, char** argv, std::string& error, bool& help) {
  options opts;
  std::optional<endpoint> url, http;
  std::string password_file, ca_file;
  bool have_mode = false;
  help = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* what) -> std::optional<std::string> {
      if (i + 1 >= argc) {
        error = arg + " needs " + what;
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    auto endpoint_value = [&](std::optional<endpoint>& out) {
      auto v = value("HOST:PORT");
      if (!v)
        return false;
      out = parse_endpoint(*v);
      if (!out)
        error = "bad " + arg + " value: " + *v;
      return out.has_value();
    };
    if (arg == "--help" || arg == "-h") {
      help = true;
      return std::nullopt;
    } else if (arg == "--url") {
      if (!endpoint_value(url))
        return std::nullopt;
    } else if (arg == "--tcp") {
      if (!endpoint_value(opts.tcp))
        return std::nullopt;
    } else if (arg == "--http") {
      if (!endpoint_value(http))
        return std::nullopt;
    } else if (arg == "--name") {
      auto v = value("NAME");
      if (!v)
        return std::nullopt;
      opts.name = *v;
    } else if (arg == "--ca-file") {
      auto v = value("FILE");
      if (!v)
        return std::nullopt;
      ca_file = *v;
    } else if (arg == "--password-file") {
      auto v = value("FILE");
      if (!v)
        return std::nullopt;
      password_file = *v;
    } else if (arg == "--register") {
      opts.register_first = true;
    } else if (arg == "--send" || arg == "--listen") {
      if (have_mode) {
        error = "--send and --listen exclude each other";
        return std::nullopt;
      }
      have_mode = true;
      auto room = value("ROOM");
      if (!room)
        return std::nullopt;
      opts.room = *room;
      if (arg == "--send") {
        auto text = value("TEXT");
        if (!text)
          return std::nullopt;
        opts.text = *text;
        opts.mode = mode::send;
      } else {
        opts.mode = mode::listen;
      }
    } else if (arg == "--count") {
      auto v = value("N");
      if (!v)
        return std::nullopt;
      if (v->empty() || v->size() > 9 || v->find_first_not_of("0123456789") != std::string::npos
          || std::stoi(*v) < 1) {
        error = "bad --count value: " + *v;
        return std::nullopt;
      }
      opts.count = std::stoi(*v);
    } else {
      error = "unknown argument: " + arg;
      return std::nullopt;
    }
  }
  if (url && opts.tcp) {
    error = "give --url or --tcp, not both";
    return std::nullopt;
  }
  if (!url && !opts.tcp) {
    error = "missing --url or --tcp";
    return std::nullopt;
  }
  if (opts.name.empty()) {
    error = "missing --name";
    return std::nullopt;
  }
  if (opts.room.empty() && have_mode) {
    error = "empty ROOM";
    return std::nullopt;
  }
  opts.http = http ? *http : url ? *url : endpoint{"127.0.0.1", 8080, false, {}};
  if (opts.tcp && opts.tcp->tls) {
    error = "--tcp is plain TCP: no tls";
    return std::nullopt;
  }
  if (!ca_file.empty() && !opts.http.tls) {
    error = "--ca-file needs a wss:// or https:// server";
    return std::nullopt;
  }
  opts.http.ca_file = ca_file;
  auto password = read_password(password_file, error);
  if (!password)
    return std::nullopt;
  opts.password = *password;
  return opts;
}

} // namespace chat::cli
