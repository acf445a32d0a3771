// The three ways chat-actors-cli runs on top of client: --send (one message,
// wait for "sent"), --listen (print N messages of a room, ack, exit) and the
// interactive mode (stdin lines and slash commands).
#pragma once

#include "cli/options.hpp"

namespace chat::cli {

/// Seconds --send waits for "sent" before giving up.
constexpr int send_timeout_s = 10;
/// Seconds --send waits after "sent" for the room's copy of its message,
/// to ack it; it exits 0 either way (the message is stored).
constexpr int echo_wait_s = 2;

/// Runs the mode `opts` asks for until it ends; returns the exit code.
int run(const options& opts);

} // namespace chat::cli
