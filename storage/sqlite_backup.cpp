#include "storage/sqlite_backup.hpp"

#include <chrono>
#include <filesystem>
#include <thread>

#include <sqlite3.h>

#include "protocol/chat_error.hpp"
#include "storage/sqlite_db.hpp"

namespace chat {

namespace {

namespace fs = std::filesystem;

caf::error copy(sqlite_db& source, sqlite_db& target, const std::string& to) {
  sqlite3_backup* backup = sqlite3_backup_init(target.handle(), "main", source.handle(), "main");
  if (backup == nullptr)
    return make_error(chat_errc::storage,
                      "cannot start the backup into " + to + ": " + target.last_error());
  // All pages in one step: one read transaction, so one snapshot. Busy or
  // locked (a checkpoint, another backup) is waited out a few times.
  int rc = SQLITE_OK;
  for (int attempt = 0; attempt < 50; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE)
    return make_error(chat_errc::storage,
                      "backup into " + to + " failed: " + std::string(sqlite3_errstr(rc)));
  return caf::none;
}

} // namespace

caf::error backup_sqlite(const std::string& from, const std::string& to) {
  std::error_code ec;
  if (fs::exists(to, ec))
    return make_error(chat_errc::storage, to + " exists: a backup goes to a new file");
  if (!fs::exists(from, ec))
    return make_error(chat_errc::storage, "no database at " + from);
  caf::error err;
  {
    // The store's own connections (busy timeout, WAL). A WAL target must
    // have the source's page size: both have SQLite's default, as the store
    // never sets one.
    sqlite_db source, target;
    err = source.open(from, false);
    if (!err)
      err = target.open(to, false);
    if (!err)
      err = copy(source, target, to);
  } // both closed before a failed copy is removed
  if (err)
    fs::remove(to, ec);
  return err;
}

} // namespace chat
