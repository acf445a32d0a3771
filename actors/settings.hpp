// The limits and timeouts the actors work with, taken from server_config by
// the server's wiring (actors do not depend on the config parser).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/defaults.hpp"

namespace chat {

struct actor_settings {
  /// Every request an actor makes of another gives up after this long.
  std::chrono::milliseconds request_timeout{defaults::request_timeout_ms};
  std::uint32_t default_max_members = defaults::default_max_members;
  std::size_t max_frame_bytes = defaults::max_frame_bytes;
  std::int64_t history_page_size = 100;
  /// A delivered message unacked this long is no longer waited for: it stays
  /// owed (its cursor, or its row in `directs`) and is replayed on the next
  /// connect.
  std::chrono::milliseconds ack_timeout{std::chrono::seconds{defaults::ack_timeout_s}};
  /// How long a user actor gathers acks before it writes the cursors they
  /// moved (> 0; no config key sets it). Clients ack in batches many times
  /// a second; one cursor write per room and interval instead of one per
  /// ack frame keeps that traffic off the storage thread. A crash forgets
  /// at most this much of the acks: those messages are replayed (clients
  /// dedupe by id). Each flush costs a storage write per user (and, before
  /// the persist beat, a timer per user): at 250 ms, 1,000
  /// users acking made 4,000 of each per second however few messages
  /// flowed, a cost per second that slow-reading clients turned into a
  /// cost per delivery (bench/profile.md, "Clients that read slowly").
  std::chrono::milliseconds cursor_flush{1000};
  /// Per room, the most messages replayed on reconnect.
  std::int64_t backlog_max = defaults::backlog_max;
  /// Each connection's frame budget: a token bucket (see connection.cpp for
  /// what each action costs).
  double messages_per_second = defaults::messages_per_second;
  double burst = defaults::burst;
  /// Rejected frames in a row after which a connection is closed (1008).
  std::int64_t rate_limit_close_after = defaults::rate_limit_close_after;
  /// Cluster mode (PostgreSQL): `acked` waits for the commit, a connect
  /// reads the cursors other nodes wrote, user actors report presence, and
  /// `who` counts users online on other nodes.
  bool cluster = false;
};

/// The one copy of the settings that every user and connection actor
/// reads: one pointer each instead of a copy (memory per connection).
using shared_settings = std::shared_ptr<const actor_settings>;

} // namespace chat
