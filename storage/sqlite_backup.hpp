// `chat-actors --backup FILE`: a copy of the SQLite database taken while the
// server runs, with SQLite's online backup API. Runs in its own process,
// never inside the server, so no actor or I/O thread waits on it.
#pragma once

#include <string>

#include <caf/error.hpp>

namespace chat {

/// Copies the database at `from` into the new file `to` in one read
/// transaction: a consistent snapshot of everything committed when it
/// started, while the server goes on writing (in WAL mode neither waits for
/// the other). Refuses a `to` that exists and removes a partial copy on
/// failure.
caf::error backup_sqlite(const std::string& from, const std::string& to);

} // namespace chat
