// The user actor: one per user with a connection (or with deliveries still
// awaiting their ack). It sits between the rooms and the user's
// connections: rooms deliver each message once to the user, the user actor
// writes it to every connection's session (multi-device), tracks it until
// acked (actors/user/ack_ledger), and on every new connection replays what
// the user has not acked yet. With no connection and nothing in flight it
// tells the directory it is idle, which retires it unless a connect is on
// its way. Its interface: user_actor (actors/interfaces.hpp).
#pragma once

#include <caf/actor_system.hpp>

#include "actors/interfaces.hpp"
#include "actors/settings.hpp"
#include "protocol/storage_api.hpp"

namespace chat {

/// `beat`: the server's persist beat (actors/persist_beat.hpp), which says
/// when to write the cursors acks moved.
user_actor spawn_user(caf::actor_system& sys, identity who, directory_actor directory,
                      storage_actor storage, shared_settings settings, persist_beat_actor beat);

} // namespace chat
