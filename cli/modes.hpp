// The three ways chat-actors-cli runs on top of client: --send (one message,
// wait for "sent"), --listen (print N messages of a room, ack, exit) and the
// interactive mode (stdin lines and slash commands).
#pragma once

#include "cli/options.hpp"

namespace chat::cli {

/// Seconds --send waits for "sent" before giving up.
constexpr int send_timeout_s = 10;

/// Runs the mode `opts` asks for until it ends; returns the exit code.
int run(const options& opts);

} // namespace chat::cli
