// The cluster bus on PostgreSQL LISTEN/NOTIFY (storage/pg_bus.hpp).
#include "storage/pg_bus.hpp"

#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <caf/send.hpp>
#include <caf/spawn_options.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocol/chat_error.hpp"
#include "protocol/frames.hpp"
#include "storage/pg_connection.hpp"
#include "storage/pg_notice.hpp"

namespace chat {

namespace {

/// How long one wait on the socket lasts: the longest an exit waits.
constexpr int wait_slice_ms = 50;

caf::error listen(pg::connection& db, const bus_options& opts) {
  // pg_stat_activity shows which node's bus a connection is (an operator
  // can end one node's: pg_terminate_backend).
  auto name = "chat-actors-bus " + opts.node_id;
  if (auto err = db.open(opts.url, name.c_str()))
    return err;
  if (auto err = db.prepare("heartbeat", "INSERT INTO nodes VALUES($1, now())"
                                         " ON CONFLICT (node_id) DO UPDATE SET seen_at = now()"))
    return err;
  if (auto err = db.prepare("online_elsewhere",
                            "SELECT p.user_id, p.node_id FROM presence p"
                            " JOIN nodes n ON n.node_id = p.node_id"
                            " WHERE p.node_id <> $1 AND n.seen_at > now() - $2::interval"))
    return err;
  return db.exec("LISTEN chat_events");
}

struct bus_state {
  static inline const char* name = "pg_bus";
  pg::connection db;
  bus_options opts;
  bus_listener listener;
  token_listener tokens;
  std::chrono::steady_clock::time_point next_check{};
  pg::reconnect_backoff backoff;

  void hand_on(const room_event_ptr& event) {
    metrics::get().bus_events.add();
    caf::anon_send(listener, stored_atom::value, event);
  }

  /// This node's heartbeat, then who is online on the other live nodes.
  void check_presence() {
    auto beat = db.run("heartbeat", {opts.node_id});
    if (!beat.ok())
      log_warn("pg_bus: writing the heartbeat failed: " + beat.error());
    auto rows = db.run("online_elsewhere",
                       {opts.node_id, std::to_string(opts.stale_after.count()) + " milliseconds"});
    if (!rows.ok()) {
      log_warn("pg_bus: reading who is online failed: " + rows.error());
      return;
    }
    auto report = std::make_shared<presence_report>();
    report->snapshot = true;
    for (int i = 0; i < rows.rows(); ++i)
      report->entries.push_back(node_presence{rows.text(i, 0), rows.text(i, 1), true});
    caf::anon_send(listener, online_atom::value, presence_report_ptr{std::move(report)});
  }

  /// What one notification tells: room events to the rooms, logouts to the
  /// registry; another node's directs, acks, membership and presence
  /// changes to the listener (this node's own it made already).
  void hand_on(bus_notice& notice) {
    for (auto& event : notice.rooms)
      hand_on(event);
    for (auto& digest : notice.logouts)
      caf::anon_send(tokens, revoked_atom::value, std::move(digest));
    if (notice.from == opts.instance)
      return;
    for (auto& d : notice.directs)
      caf::anon_send(listener, direct_atom::value, d.to_user, direct_delivery(d));
    for (auto& ack : notice.acks)
      caf::anon_send(listener, ack_atom::value, std::move(ack.user_id), std::move(ack.cursors),
                     std::move(ack.directs));
    for (auto& m : notice.members)
      caf::anon_send(listener, member_atom::value, std::move(m.room), std::move(m.who), m.joined);
    if (!notice.presence.empty()) {
      auto report = std::make_shared<presence_report>();
      report->entries = std::move(notice.presence);
      caf::anon_send(listener, online_atom::value, presence_report_ptr{std::move(report)});
    }
  }

  /// Every room's last seq to the listener: each running room compares it
  /// with what it delivered and reads what it missed.
  void check_all() {
    metrics::get().bus_catch_ups.add();
    auto rows = db.query("SELECT room, last_seq FROM room_seqs");
    if (!rows.ok()) {
      log_warn("pg_bus: checking the rooms' last seqs failed: " + rows.error());
      return;
    }
    for (int i = 0; i < rows.rows(); ++i) {
      auto event = std::make_shared<room_event>();
      event->room = rows.text(i, 0);
      event->last_seq = rows.int64(i, 1);
      hand_on(event);
    }
    check_presence();
    auto usage = db.query("SELECT pg_notification_queue_usage()");
    if (usage.ok() && usage.rows() > 0)
      metrics::get().bus_queue_permille.set(
        static_cast<std::int64_t>(std::stod(usage.text(0, 0)) * 1000.0));
  }

  /// LISTEN again, then catch up: in that order, so a commit that lands in
  /// between is either notified or seen by the check.
  void reconnect() {
    auto now = std::chrono::steady_clock::now();
    if (!backoff.due(now))
      return;
    if (auto err = listen(db, opts)) {
      backoff.failed(now);
      log_warn("pg_bus: reconnecting failed (next try in " + std::to_string(backoff.delay().count())
               + " ms): " + error_text(err));
      return;
    }
    backoff.reset();
    metrics::get().bus_reconnects.add();
    log_info("pg_bus: listening again; catching up every room");
    check_all();
    next_check = std::chrono::steady_clock::now() + opts.check_every;
  }

  void poll_once() {
    if (!db.up()) {
      reconnect();
      if (!db.up()) {
        std::this_thread::sleep_for(std::chrono::milliseconds{wait_slice_ms});
        return;
      }
    }
    auto payloads = db.notifications(wait_slice_ms);
    if (!payloads) {
      log_warn("pg_bus: lost its connection: " + error_text(payloads.error()));
      return; // reconnects on the next slice
    }
    for (auto& payload : *payloads) {
      auto notice = parse_commit_notice(payload);
      hand_on(notice);
    }
    if (std::chrono::steady_clock::now() >= next_check) {
      check_all();
      next_check = std::chrono::steady_clock::now() + opts.check_every;
    }
  }
};

using bus_impl = caf::typed_actor<caf::reacts_to<caf::tick_atom>>;

bus_impl::behavior_type pg_bus(bus_impl::stateful_pointer<bus_state> self,
                               const std::shared_ptr<pg::connection>& db, bus_options opts,
                               bus_listener listener, token_listener tokens) {
  auto& st = self->state;
  st.db = std::move(*db);
  st.opts = std::move(opts);
  st.listener = std::move(listener);
  st.tokens = std::move(tokens);
  st.next_check = std::chrono::steady_clock::now(); // the first tick checks
  self->send(self, caf::tick_atom::value);
  return {
    [self](caf::tick_atom) {
      self->state.poll_once();
      self->send(self, caf::tick_atom::value); // behind any exit message
    },
  };
}

} // namespace

caf::expected<caf::actor> spawn_pg_bus(caf::actor_system& sys, const bus_options& opts,
                                       bus_listener rooms, token_listener tokens) {
  auto db = std::make_shared<pg::connection>();
  if (auto err = listen(*db, opts))
    return err;
  return caf::actor_cast<caf::actor>(
    sys.spawn<caf::detached>(pg_bus, std::move(db), opts, std::move(rooms), std::move(tokens)));
}

} // namespace chat
