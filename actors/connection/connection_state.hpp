// The connection actor's state (actors/connection.hpp), shared by the files
// that make up its behavior: connection.cpp (frames in: budget, expiry,
// dispatch), room_requests.cpp (join, leave, send, history, who, rooms) and
// direct_requests.cpp (dm, ack).
//
// Until its user actor is known and online, the actor handles no frame
// (the start-up requests await): a connection's first frame already sees
// its user online in its rooms.
#pragma once

#include <string>
#include <unordered_map>

#include <caf/typed_event_based_actor.hpp>

#include "actors/connection.hpp"
#include "common/metrics.hpp"
#include "common/token_bucket.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/request.hpp"

namespace chat::connection_detail {

struct connection_state {
  connection_params params;
  user_actor user;
  std::unordered_map<std::string, room_actor> rooms; // looked up before
  // The frame budget (actor_settings::messages_per_second / burst) and the
  // rejections since the last frame that passed.
  token_bucket budget{1, 1, 0};
  std::int64_t rejected_in_a_row = 0;
  metrics::live_count alive{metrics::get().connections};
  static inline const char* name = "connection";

  void send(std::string text);

  void send_error(const caf::error& err, const std::string& ref);

  // Every error frame is counted by code (GET /metrics); those that are
  // about the server rather than the request are logged with who got them.
  void send_error(chat_errc code, const std::string& text, const std::string& ref);

  static void count_error(chat_errc code);
};

using connection_pointer = connection_actor::stateful_pointer<connection_state>;

// room_requests.cpp: actions on a room ("target" is its name), and "rooms".
void on_join(connection_pointer self, client_request& req);
void on_leave(connection_pointer self, client_request& req);
void on_send(connection_pointer self, client_request& req);
void on_history(connection_pointer self, client_request& req);
void on_who(connection_pointer self, client_request& req);
void on_rooms(connection_pointer self, client_request& req);

// direct_requests.cpp: "dm" and "ack".
void on_dm(connection_pointer self, client_request& req);
void on_ack(connection_pointer self, client_request& req);

} // namespace chat::connection_detail
