// Command-line parsing for chat-actors-loadgen; see options.hpp.
#include "bench/loadgen/options.hpp"

#include <arpa/inet.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <type_traits>

namespace bench {

namespace {

constexpr const char* usage
  = R"(usage: chat-actors-loadgen --mode MODE --url ws://HOST:PORT [options]

Drives a chat-actors server (--target chat) or a plain broadcast server such
as bench/baseline/server.mjs (--target raw) from one thread, and prints one
JSON line with the results on stdout (progress goes to stderr).

modes:
  fanout    N clients in one room each send M messages at once; time to
            deliver all N*N*M, deliveries/s, server CPU per million deliveries
  latency   N clients send R messages/s in total for S seconds; send-to-receive
            latency percentiles, offered vs achieved deliveries/s
  idle      open N connections and hold them; server RSS per connection
  durable   (chat only) each client keeps W sends in flight in its own room;
            "sent" confirmations per second and their latency

options:
  --mode MODE             fanout | latency | idle | durable
  --target chat|raw       chat-actors protocol (default) or raw broadcast
  --client own|beast      own: our framing, one read per burst (default);
                          beast: Beast's websocket::stream read loop, one
                          async_read per message; its defaults are an ordinary
                          app's: --ack-every-ms 50 --ack-batch 100 --source-addrs 1
  --url ws://HOST:PORT    the server (HOST numeric IPv4); HTTP goes to the same port.
                          Repeated (cluster mode: ports of one host): client i
                          connects to the (i mod count)th; accounts use the first
  --clients N             connections (default 100)
  --messages M            fanout: messages per client (default 1)
  --rate R                latency: aggregate messages/s (default 100)
  --seconds S             latency/durable: measured seconds; idle: hold time (default 10)
  --warmup S              latency/durable: unmeasured lead-in (default 1)
  --drain S               latency/durable: wait for late replies (default 15)
  --settle S              quiet time before the barrier or RSS sample (default 0.5)
  --stall S               fanout: stop after S seconds without progress (default 15)
  --window W              durable: sends in flight per client (default 32)
  --slow-readers K        fanout, own client: K of the clients, spread evenly, read
                          slowly in small pieces (never stalled); the others'
                          deliveries/s is reported apart (default 0)
  --slow-piece BYTES      a slow reader's bytes per read (default 1536)
  --slow-gap-ms MS        a slow reader's pause between reads (default 1)
  --slow-rcvbuf BYTES     a slow reader's socket receive buffer (default 16384)
  --timeout S             hard limit for the whole run, setup included (default 600)
  --server-pid PID        read the server's CPU and RSS from /proc/PID; repeated:
                          both are the processes' sums (every node of a cluster)
  --synchronous TEXT      durable: the server's [storage] synchronous, reported as is
  --label TEXT            copied into the JSON line
  --room NAME             room name stem (default bench)
  --ack-every-ms MS       chat: send the acks gathered every MS ms, or at
                          --ack-batch ids (default 10; 0 = one ack frame per read burst)
  --ack-batch N           chat: ids per ack frame at most (default 200)
  --source-addrs K        spread client sockets over 127.0.0.1..K (default 4)
  --connect-concurrency N WebSocket connects in progress at once (default 128)
  --http-concurrency N    register/login requests in progress at once (default 8)
)";

bool parse_number(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end && *end == '\0' && out >= 0;
}

bool parse_url(const std::string& url, options& out) {
  const std::string scheme = "ws://";
  if (url.compare(0, scheme.size(), scheme) != 0)
    return false;
  auto rest = url.substr(scheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos)
    rest.resize(slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return false;
  double port = 0;
  if (!parse_number(rest.substr(colon + 1), port) || port < 1 || port > 65535)
    return false;
  auto host = rest.substr(0, colon);
  if (!out.ports.empty() && host != out.host)
    return false; // several --url: several ports of one host
  out.host = host;
  out.ports.push_back(static_cast<std::uint16_t>(port));
  out.port = out.ports.front();
  in_addr ignored{}; // numeric IPv4 only: the generator runs no resolver
  return ::inet_pton(AF_INET, out.host.c_str(), &ignored) == 1;
}

} // namespace

const char* usage_text() {
  return usage;
}

const char* target_name(target_kind t) {
  return t == target_kind::chat ? "chat" : "raw";
}

const char* client_name(client_kind k) {
  return k == client_kind::own ? "own" : "beast";
}

bool parse_options(int argc, char** argv, options& out, std::string& error) {
  // As a shell would need it to run it again: quote arguments with spaces.
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0)
      out.command_line += ' ';
    if (arg.find_first_of(" \t\"'$`\\") == std::string::npos && !arg.empty()) {
      out.command_line += arg;
      continue;
    }
    out.command_line += '\'';
    for (char ch : arg)
      out.command_line += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    out.command_line += '\'';
  }
  // Each option takes one value; the setter says whether the value is good.
  using setter = std::function<bool(const std::string&)>;
  auto number = [](auto& field, double min) {
    return setter([&field, min](const std::string& v) {
      double d = 0;
      if (!parse_number(v, d) || d < min)
        return false;
      field = static_cast<std::remove_reference_t<decltype(field)>>(d);
      return true;
    });
  };
  auto text = [](std::string& field) {
    return setter([&field](const std::string& v) {
      field = v;
      return true;
    });
  };
  const std::map<std::string, setter> table = {
    {"--mode", setter([&](const std::string& v) {
       out.mode = v;
       return v == "fanout" || v == "latency" || v == "idle" || v == "durable";
     })},
    {"--target", setter([&](const std::string& v) {
       out.target = v == "raw" ? target_kind::raw : target_kind::chat;
       return v == "raw" || v == "chat";
     })},
    {"--client", setter([&](const std::string& v) {
       out.client = v == "beast" ? client_kind::beast : client_kind::own;
       return v == "own" || v == "beast";
     })},
    {"--url", setter([&](const std::string& v) { return parse_url(v, out); })},
    {"--clients", number(out.clients, 1)},
    {"--messages", number(out.messages, 1)},
    {"--rate", number(out.rate, 0.001)},
    {"--seconds", number(out.seconds, 0)},
    {"--warmup", number(out.warmup, 0)},
    {"--drain", number(out.drain, 0)},
    {"--settle", number(out.settle, 0)},
    {"--stall", number(out.stall, 0.1)},
    {"--window", number(out.window, 1)},
    {"--timeout", number(out.timeout, 1)},
    {"--server-pid", setter([&](const std::string& v) {
       double d = 0;
       if (!parse_number(v, d) || d < 1)
         return false;
       out.server_pids.push_back(static_cast<int>(d));
       out.server_pid = out.server_pids.front();
       return true;
     })},
    {"--synchronous", text(out.synchronous)},
    {"--label", text(out.label)},
    {"--room", text(out.room)},
    {"--ack-every-ms", number(out.ack_every_ms, 0)},
    {"--ack-batch", number(out.ack_batch, 1)},
    {"--source-addrs", number(out.source_addrs, 1)},
    {"--connect-concurrency", number(out.connect_concurrency, 1)},
    {"--slow-readers", number(out.slow_readers, 0)},
    {"--slow-piece", number(out.slow.piece, 1)},
    {"--slow-gap-ms", setter([&out](const std::string& v) {
       double d = 0;
       if (!parse_number(v, d))
         return false;
       out.slow.gap = std::chrono::microseconds(static_cast<std::int64_t>(d * 1000));
       return true;
     })},
    {"--slow-rcvbuf", number(out.slow.rcvbuf, 1024)},
    {"--http-concurrency", number(out.http_concurrency, 1)},
  };
  bool have_url = false;
  std::map<std::string, bool> given;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      error.clear();
      return false;
    }
    std::string value;
    bool inline_value = false;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      inline_value = true;
    }
    auto it = table.find(arg);
    if (it == table.end()) {
      error = "unknown option '" + arg + "'";
      return false;
    }
    if (!inline_value) {
      if (i + 1 >= argc) {
        error = arg + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    if (!it->second(value)) {
      error = "bad value '";
      error.append(value).append("' for ").append(arg);
      return false;
    }
    have_url = have_url || arg == "--url";
    given[arg] = true;
  }
  if (out.mode.empty()) {
    error = "--mode is required";
    return false;
  }
  if (!have_url) {
    error = "--url is required";
    return false;
  }
  if (out.mode == "durable" && out.target == target_kind::raw) {
    error = "--mode durable needs --target chat (the raw baseline confirms nothing)";
    return false;
  }
  if (out.client == client_kind::beast) {
    // What the issue's "ordinary client" did; each can still be set.
    if (!given["--ack-every-ms"])
      out.ack_every_ms = 50;
    if (!given["--ack-batch"])
      out.ack_batch = 100;
    if (!given["--source-addrs"])
      out.source_addrs = 1;
  }
  if (out.slow_readers > 0
      && (out.mode != "fanout" || out.client != client_kind::own
          || out.slow_readers >= out.clients)) {
    error = "--slow-readers needs --mode fanout, --client own and fewer than --clients";
    return false;
  }
  if (out.source_addrs > 250)
    out.source_addrs = 250;
  return true;
}

} // namespace bench
