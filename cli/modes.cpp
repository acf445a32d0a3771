// Mode logic over client; see modes.hpp. The io_context runs on the main
// thread; only the interactive stdin reader has a thread of its own, and it
// hands each line over with net::post.
#include "cli/modes.hpp"

#include <deque>
#include <iostream>
#include <set>
#include <thread>

#include <boost/asio/post.hpp>

#include "cli/client.hpp"
#include "cli/format.hpp"

namespace chat::cli {

namespace net = boost::asio;
using json = nlohmann::json;
using error_code = boost::system::error_code;

namespace {

// How many public rooms, and how many channels, `/rooms` lists besides the
// user's own (the web client's sidebar shows as many).
constexpr int rooms_offer = 30;

json frame(const std::string& action, const std::string& target = "", json body = nullptr,
           json ref = nullptr) {
  json f{{"action", action}};
  if (!target.empty())
    f["target"] = target;
  if (!body.is_null())
    f["body"] = std::move(body);
  if (!ref.is_null())
    f["ref"] = std::move(ref);
  return f;
}

void print(const std::string& line) {
  if (!line.empty())
    std::cout << line << std::endl;
}

bool is_error_for(const json& f, const std::string& ref) {
  return text_of(f, "type") == "error" && f.value("ref", json()) == ref;
}

/// Everything one run needs, living on run()'s stack.
struct app {
  const options& opts;
  net::io_context ioc{1};
  client::handlers handlers;
  std::unique_ptr<client> conn;
  net::steady_timer deadline{ioc};
  int exit_code = 0;
  bool finishing = false;
  int shown = 0;                 // --listen: messages printed
  std::string current;           // interactive: the room plain lines go to
  std::deque<std::string> typed; // interactive: lines held until welcome / joined
  std::string joining;           // interactive: ref of a /join not answered yet
  bool quitting = false;         // interactive: /quit waits for the replies below
  std::set<std::string> waiting; // interactive: refs of requests not answered yet
  unsigned next_ref = 0;
  std::string sent_id;               // --send: the id "sent" confirmed
  std::set<std::string> before_sent; // --send: message ids seen before "sent"

  explicit app(const options& o) : opts(o) {}

  /// Flushes acks, closes, stops the loop (with a 3 s cap).
  void finish(int code) {
    if (finishing)
      return;
    finishing = true;
    exit_code = code;
    deadline.expires_after(std::chrono::seconds(3));
    deadline.async_wait([this](error_code ec) {
      if (!ec)
        ioc.stop();
    });
    conn->flush_acks([this] { conn->stop([this] { ioc.stop(); }); });
  }

  void fatal(const std::string& why) {
    std::cerr << "chat-actors-cli: " << why << std::endl;
    exit_code = 1;
    finishing = true;
    if (conn)
      conn->stop([] {});
    ioc.stop();
  }

  void show(const json& f) {
    auto type = text_of(f, "type");
    if (type == "message" || type == "direct") {
      print(format_message(f));
      conn->ack(text_of(f, "id"));
    } else {
      print(format_frame(f));
    }
  }

  // -- --send ---------------------------------------------------------------

  // The room hands the sender its own message too, like every member; it is
  // acked here, or it would wait in the sender's backlog and come back at
  // the next login. Other messages are neither shown nor acked: they stay
  // for a client that shows them.
  void setup_send() {
    handlers.on_welcome = [this](const json&) {
      conn->send(frame("join", opts.room, nullptr, "join"));
      conn->send(frame("send", opts.room, {{"text", opts.text}}, "send"));
    };
    handlers.on_frame = [this](const json& f) {
      auto type = text_of(f, "type");
      if (type == "message" && text_of(f, "room") == opts.room) {
        auto id = text_of(f, "id");
        if (!sent_id.empty() && id == sent_id) {
          conn->ack(id);
          finish(0);
        } else if (sent_id.empty()) {
          before_sent.insert(id); // the copy can come before "sent"
        }
      } else if (type == "sent" && f.value("ref", json()) == "send") {
        sent_id = text_of(f, "id");
        print("sent " + sent_id);
        if (before_sent.count(sent_id) != 0) {
          conn->ack(sent_id);
          return finish(0);
        }
        // The message is confirmed; its copy normally follows at once.
        deadline.expires_after(std::chrono::seconds(echo_wait_s));
        deadline.async_wait([this](error_code ec) {
          if (!ec && !finishing)
            finish(0);
        });
      } else if (is_error_for(f, "join") || is_error_for(f, "send")) {
        std::cerr << format_frame(f) << std::endl;
        finish(1);
      }
    };
    deadline.expires_after(std::chrono::seconds(send_timeout_s));
    deadline.async_wait([this](error_code ec) {
      if (!ec && !finishing)
        fatal("no 'sent' within " + std::to_string(send_timeout_s) + " s");
    });
  }

  // -- --listen -------------------------------------------------------------

  void setup_listen() {
    handlers.on_welcome
      = [this](const json&) { conn->send(frame("join", opts.room, nullptr, "join")); };
    handlers.on_frame = [this](const json& f) {
      if (is_error_for(f, "join")) {
        std::cerr << format_frame(f) << std::endl;
        return finish(1);
      }
      if (text_of(f, "type") != "message" || text_of(f, "room") != opts.room || shown >= opts.count)
        return;
      show(f);
      if (++shown == opts.count)
        finish(0);
    };
  }

  // -- interactive ----------------------------------------------------------

  void setup_interactive() {
    handlers.on_welcome = [this](const json& f) {
      print(format_frame(f));
      if (!current.empty())
        return;
      current = conn->channel();
      release_typed();
    };
    handlers.on_frame = [this](const json& f) {
      auto type = text_of(f, "type");
      auto ref = f.value("ref", json());
      if (type == "joined" && ref.is_string() && ref.get<std::string>().rfind("join:", 0) == 0)
        current = text_of(f, "room", current);
      if (type == "left" && text_of(f, "room") == current)
        current = conn->channel();
      show(f);
      if (ref.is_string())
        waiting.erase(ref.get<std::string>());
      if (!joining.empty() && ref == joining) { // joined or refused: release held lines
        joining.clear();
        release_typed();
      }
      if (quitting && waiting.empty())
        finish(0);
    };
    // getline blocks, so stdin gets a thread; it is detached because it may
    // sit in read() when the session ends.
    std::thread([this] {
      std::string line;
      while (std::getline(std::cin, line))
        net::post(ioc, [this, line] { on_line(line); });
      net::post(ioc, [this] { on_line("/quit"); });
    }).detach();
  }

  /// Handles held lines in order, until one is a /join (its reply releases the rest).
  void release_typed() {
    auto held = std::move(typed);
    typed.clear();
    while (!held.empty() && joining.empty()) {
      auto line = std::move(held.front());
      held.pop_front();
      on_line(std::move(line));
    }
    held.insert(held.end(), typed.begin(), typed.end());
    typed = std::move(held);
  }

  /// A fresh ref for a request /quit should wait for.
  std::string request_ref(const std::string& prefix = "r") {
    auto ref = prefix + std::to_string(++next_ref);
    waiting.insert(ref);
    return ref;
  }

  void on_line(std::string line) {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.empty() || finishing || quitting)
      return;
    if (current.empty() || !joining.empty()) { // the current room is not known yet
      typed.push_back(line);
      return;
    }
    if (line[0] != '/' || line.rfind("//", 0) == 0) {
      auto text = line[0] == '/' ? line.substr(1) : line;
      conn->send(frame("send", current, {{"text", text}}, request_ref()));
      return;
    }
    auto space = line.find(' ');
    auto cmd = line.substr(0, space);
    auto rest = space == std::string::npos ? "" : line.substr(space + 1);
    if (cmd == "/join" && !rest.empty()) {
      joining = request_ref("join:" + rest + ":");
      conn->send(frame("join", rest, nullptr, joining));
    } else if (cmd == "/leave") {
      conn->send(frame("leave", current, nullptr, request_ref()));
    } else if (cmd == "/dm" && rest.find(' ') != std::string::npos) {
      auto to = rest.substr(0, rest.find(' '));
      if (!to.empty() && to.front() != '@')
        to = "@" + to; // by name: the server resolves it
      conn->send(frame("dm", to, {{"text", rest.substr(rest.find(' ') + 1)}}, request_ref()));
    } else if (cmd == "/who") {
      conn->send(frame("who", current, nullptr, request_ref()));
    } else if (cmd == "/rooms") {
      // A page of the rooms on offer (a server lists a channel per account);
      // "/rooms all" asks for every one.
      if (!rest.empty() && rest != "all")
        return print("! usage: /rooms [all]");
      conn->send(frame("rooms", "", rest == "all" ? json(nullptr) : json{{"offer", rooms_offer}},
                       request_ref()));
    } else if (cmd == "/history") {
      int page = 0;
      try {
        page = rest.empty() ? 0 : std::stoi(rest);
      } catch (const std::exception&) {
        return print("! usage: /history [PAGE]");
      }
      conn->send(frame("history", current, {{"page", page}}, request_ref()));
    } else if (cmd == "/quit") {
      // The pong comes after the server has read what was typed before.
      quitting = true;
      if (waiting.empty())
        return finish(0);
      deadline.expires_after(std::chrono::seconds(3));
      deadline.async_wait([this](error_code ec) {
        if (!ec)
          finish(0);
      });
    } else {
      print("! commands: /join ROOM, /leave, /dm NAME TEXT, /who, /rooms [all], /history [PAGE], "
            "/quit, //text sends /text");
    }
  }

  int run() {
    switch (opts.mode) {
      case mode::send: setup_send(); break;
      case mode::listen: setup_listen(); break;
      case mode::interactive: setup_interactive(); break;
    }
    handlers.on_fatal = [this](const std::string& why) { fatal(why); };
    conn = std::make_unique<client>(ioc, opts, handlers);
    net::post(ioc, [this] { conn->start(); });
    auto guard = net::make_work_guard(ioc);
    ioc.run();
    return exit_code;
  }
};

} // namespace

int run(const options& opts) {
  app a(opts);
  return a.run();
}

} // namespace chat::cli
