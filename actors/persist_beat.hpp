// The persist beat: one actor that tells the user actors when to write the
// cursors their acks moved, all of them at once, on each multiple of
// cursor_flush on the steady clock.
//
// Each user actor used to arm its own timer (delayed_send). CAF 0.17's clock
// is one thread fed through a ring buffer: every timer set wakes it, so
// users acking now and then woke it once per user per second (~7,000 times
// in the browser's fan-out, 1,000 users; bench/profile.md, twelfth pass).
// Here a user's ask is an ordinary message, handled on the worker that is
// already running, and the clock holds one timer for the whole server.
#pragma once

#include <chrono>

#include <caf/actor_system.hpp>

#include "actors/interfaces.hpp"

namespace chat {

/// `period` > 0: the beat (actor_settings::cursor_flush).
persist_beat_actor spawn_persist_beat(caf::actor_system& sys, std::chrono::milliseconds period);

} // namespace chat
