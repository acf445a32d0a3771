// A WebSocket test client (Beast inside, hidden behind a pimpl so test files
// stay light). One async read is always pending; incoming frames queue up and
// read(timeout) runs the event loop until one arrives or the time is up, so
// nothing blocks forever. Many clients can share one io_loop on one thread
// (the stress test); by default each client has its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace chat::test {

/// An event loop shared by several clients that are used from one thread.
class io_loop {
public:
  io_loop();
  ~io_loop();
  io_loop(const io_loop&) = delete;
  io_loop& operator=(const io_loop&) = delete;

  /// Waits up to `timeout` for any client on this loop to make progress, then
  /// runs everything that is ready. Returns the number of handlers run.
  std::size_t run_for(std::chrono::milliseconds timeout);

  struct impl;
  impl& get() { return *impl_; }

private:
  std::unique_ptr<impl> impl_;
};

class ws_client {
public:
  using predicate = std::function<bool(const nlohmann::json&)>;

  ws_client();
  explicit ws_client(io_loop& loop);
  ~ws_client();
  ws_client(ws_client&&) noexcept;
  ws_client& operator=(ws_client&&) noexcept;

  /// Connects to 127.0.0.1:port and upgrades with GET `target` (e.g.
  /// "/ws?token=T"). Returns the HTTP status of the answer: 101 when upgraded,
  /// e.g. 401 when refused, 0 when no answer came (see error()). Sets
  /// TCP_NODELAY. One connect per client object.
  int connect(std::uint16_t port, const std::string& target,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// The body of a refused upgrade's response.
  std::string handshake_body() const;

  /// Upgraded and not closed.
  bool is_open() const;

  /// Send one text frame (JSON dumped) / raw text / binary frame. False if
  /// the write failed or timed out.
  bool send(const nlohmann::json& frame,
            std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool send_text(const std::string& text,
                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool send_binary(const std::string& bytes,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));

  /// The next frame: parsed JSON (a JSON string holding the raw text if it is
  /// not JSON), or nullopt on timeout or when the server closed.
  std::optional<nlohmann::json> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// The next frame's raw text, or nullopt (timeout or closed).
  std::optional<std::string> read_text(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// An already received frame's raw text, without running the loop.
  std::optional<std::string> take_text();

  /// Skips frames until one satisfies `pred`; nullopt on timeout or close.
  std::optional<nlohmann::json> read_until(const predicate& pred, std::chrono::milliseconds timeout
                                                                  = std::chrono::seconds(5));

  /// read_until(frame["type"] == type).
  std::optional<nlohmann::json> read_type(const std::string& type, std::chrono::milliseconds timeout
                                                                   = std::chrono::seconds(5));

  /// Sends `frame` (adding a unique "ref" if it has none) and returns the
  /// first frame carrying that ref, skipping others.
  std::optional<nlohmann::json> call(nlohmann::json frame,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Every frame that arrives within `window`.
  std::vector<nlohmann::json> drain(std::chrono::milliseconds window);

  /// Discards frames until the server closes the connection; true if it did.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// The connection ended (server close frame, reset, EOF or our close()).
  bool closed() const;

  /// nullopt while open; the code of the server's close frame (1005 if it
  /// carried none); 1006 if the connection ended without a close frame.
  std::optional<int> close_code() const;

  /// Client-initiated close (code 1000); waits briefly for the answer.
  void close();

  /// The last transport error, for messages.
  std::string error() const;

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

/// A client frame {"action", "target" (if not empty), "body" (if not null)}.
inline nlohmann::json make_frame(const std::string& action, const std::string& target = "",
                                 nlohmann::json body = nullptr) {
  nlohmann::json frame{{"action", action}};
  if (!target.empty())
    frame["target"] = target;
  if (!body.is_null())
    frame["body"] = std::move(body);
  return frame;
}

/// A frame's text parsed, or a JSON string holding the text when it is not
/// JSON (a test can still show what came).
inline nlohmann::json json_or_text(const std::string& text) {
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

/// frame["type"] if it is a string, else "".
inline std::string type_of(const nlohmann::json& frame) {
  if (frame.is_object() && frame.contains("type") && frame["type"].is_string())
    return frame["type"].get<std::string>();
  return "";
}

/// The entry of a "members" array for `user_id`, or null.
inline nlohmann::json find_member(const nlohmann::json& members, const std::string& user_id) {
  if (members.is_array())
    for (auto& m : members)
      if (m.is_object() && m.contains("user_id") && m["user_id"] == user_id)
        return m;
  return nullptr;
}

/// Connects with "/ws?token=" + token and reads the welcome frame (stored in
/// `*welcome` if given). Throws std::runtime_error if either fails.
ws_client open_session(std::uint16_t port, const std::string& token,
                       nlohmann::json* welcome = nullptr);

} // namespace chat::test
