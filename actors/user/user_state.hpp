// The user actor's state (actors/user.hpp), shared by the files that make up
// its behavior: user.cpp (the handlers and the start-up), delivery.cpp
// (live traffic to the connections), replay.cpp (what a new connection is
// owed) and retirement.cpp (cursor writes and going idle).
//
//   spawned --cursors loaded, running rooms told--> online --no connection,
//   nothing in flight--> idle (reported; the directory retires it)
//
// Until it is online, a new connection waits for its replay and `start`
// waits for its answer: a replay started earlier could miss a message sent
// to a room that did not yet know the user was online.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include <caf/response_promise.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/interfaces.hpp"
#include "actors/settings.hpp"
#include "actors/user/ack_ledger.hpp"
#include "common/metrics.hpp"
#include "protocol/storage_api.hpp"

namespace chat::user_detail {

/// The user actor's interface plus the persist beat's tick and the timer it
/// sends itself.
using user_impl = user_actor::extend<caf::reacts_to<persist_atom>, caf::reacts_to<deadline_atom>>;

/// A frame held back from a connection whose replay is still out: one that
/// needs no ack, or a delivery (whose replay copy may make it redundant).
using held_frame = std::variant<frame_ptr, delivery_ptr>;

/// What a connection's replay holds back and what it carried.
struct replay_memo {
  // Until its replay went out, live traffic for it is held back, so it sees
  // the replay first and then live frames, in order and without what the
  // replay already covered.
  std::vector<held_frame> held;
  // What the replay carried. Storage reads see writes whose batch has not
  // committed yet, so a replayed message's live copy may still be on its
  // way (it leaves the room after the commit): it must not go out twice.
  std::unordered_map<std::string, std::int64_t> replayed_up_to; // room -> seq
  std::unordered_set<std::string> replayed_directs;

  bool carried_nothing() const { return replayed_up_to.empty() && replayed_directs.empty(); }
};

/// One connection of the user. Frames go to its session directly, not
/// through its connection actor: on the fan-out path that is one CAF
/// message less per delivered frame. The connection actor's own replies
/// take the other way to the session, so the two may interleave; what must
/// not be overtaken (`joined` by the room's messages) comes through here.
struct user_connection {
  connection_actor actor; // monitored: its end removes the entry
  session_ptr session;
  bool replaying = true;
  // Only while there is something to remember: most connections replay
  // nothing, and each idle one would otherwise carry the empty containers
  // (bench/profile.md, memory per idle connection).
  std::unique_ptr<replay_memo> memo;

  replay_memo& remember() {
    if (!memo)
      memo = std::make_unique<replay_memo>();
    return *memo;
  }

  bool covered(const delivery& d) const;

  /// Sends a frame that needs no ack now, or holds it while the replay is out.
  void send_or_hold(frame_ptr frame);
};

struct user_state {
  identity who;
  std::vector<user_connection> connections;
  ack_ledger ledger;
  std::size_t rooms_pending = 0;                     // rooms not yet told we are online
  std::vector<caf::response_promise> online_waiters; // (start_atom) askers
  std::uint64_t connects = 0;
  bool deadline_armed = false; // one pending idle check at most, however often it reconnects
  directory_actor directory;
  storage_actor storage;
  shared_settings settings;
  persist_beat_actor beat; // says when moved cursors are written
  metrics::live_count alive{metrics::get().users};
  std::int64_t unacked_reported = 0; // this user's share of the unacked gauge
  std::set<std::string> dirty_rooms; // cursors moved since the last write
  bool persist_armed = false;
  static inline const char* name = "user";

  user_state() = default;
  user_state(const user_state&) = delete;
  user_state& operator=(const user_state&) = delete;
  ~user_state() { metrics::get().unacked.add(-unacked_reported); }

  bool online() const { return rooms_pending == 0; }

  /// Brings the unacked gauge up to date after the in-flight set changed.
  void report_unacked();

  user_connection* find(const caf::actor_addr& addr);
};

using user_pointer = user_impl::stateful_pointer<user_state>;

// delivery.cpp
void deliver(user_pointer self, const std::vector<delivery_ptr>& ds);

// replay.cpp
void start_replay(user_pointer self, const connection_actor& connection);

// retirement.cpp
void persist(user_pointer self, const ack_ledger::ack_result& changes);
/// The persist beat's tick: writes moved cursors and frees emptied in-flight
/// tables' memory.
void on_persist_tick(user_pointer self);
caf::typed_response_promise<bool> persist_now(user_pointer self,
                                              const ack_ledger::ack_result& changes);
void report_presence(user_pointer self, bool online);
void write_cursors(user_pointer self);
void check_idle(user_pointer self);

} // namespace chat::user_detail
