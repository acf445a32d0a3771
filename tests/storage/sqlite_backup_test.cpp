// The SQLite backup behind `chat-actors --backup` (storage/sqlite_backup.hpp)
// and the schema version open_store keeps in the file: what an operator
// relies on when copying a live database or upgrading the server.
#include "storage/sqlite_backup.hpp"

#include <cstdint>
#include <fstream>
#include <string>

#include <doctest/doctest.h>

#include "protocol/chat_error.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/store_queries.hpp"
#include "tests/storage/sqlite_file.hpp"
#include "tests/storage/store_fixture.hpp"

using namespace chat;
using namespace chat::test;

TEST_SUITE("sqlite backup") {

TEST_CASE("a backup holds every committed row and none of a transaction still open") {
  scratch_dir dir;
  std::filesystem::create_directories(dir.path);
  auto from = (dir.path / "live.db").string(), to = (dir.path / "copy.db").string();
  auto writer = open_db(from);
  exec(writer, "PRAGMA journal_mode = WAL; CREATE TABLE t(n INTEGER)");
  exec(writer, "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000)"
               " INSERT INTO t SELECT n FROM c");
  // The server keeps writing while the backup runs.
  exec(writer, "BEGIN; INSERT INTO t VALUES (-1)");
  auto err = backup_sqlite(from, to);
  REQUIRE_MESSAGE(!err, error_text(err));
  exec(writer, "COMMIT"); // the writer was not held up for good

  auto copy = open_db(to);
  CHECK(single_int(copy, "SELECT count(*) FROM t") == 1000);
  CHECK(single_int(copy, "SELECT sum(n) FROM t") == 500500);
  CHECK(single_text(copy, "PRAGMA integrity_check") == "ok");
  CHECK(single_int(writer, "SELECT count(*) FROM t") == 1001);
}

TEST_CASE("a backup refuses a file that exists and reports a missing database") {
  scratch_dir dir;
  std::filesystem::create_directories(dir.path);
  auto from = (dir.path / "live.db").string(), to = (dir.path / "taken.db").string();
  {
    auto live = open_db(from);
    exec(live, "CREATE TABLE t(n INTEGER)");
  }
  std::ofstream(to) << "keep me";

  auto taken = backup_sqlite(from, to);
  CHECK(error_text(taken).find("exists") != std::string::npos);
  std::ifstream in(to);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(kept == "keep me");

  auto missing = backup_sqlite((dir.path / "nothing.db").string(), (dir.path / "new.db").string());
  CHECK(error_text(missing).find("no database at") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path / "new.db"));
}

TEST_CASE("the store writes its schema version and refuses a newer one") {
  scratch_dir dir;
  auto fresh = (dir.path / "fresh.db").string();
  {
    store_db db;
    auto err = open_store(db, fresh, false);
    REQUIRE_MESSAGE(!err, error_text(err));
  }
  auto fresh_db = open_db(fresh);
  CHECK(single_int(fresh_db, "PRAGMA user_version") == 1);

  // A file from before the version was kept: the same tables, adopted.
  auto old = (dir.path / "old.db").string();
  {
    auto old_db = open_db(old);
    exec(old_db, "CREATE TABLE users(user_id TEXT PRIMARY KEY, name TEXT UNIQUE NOT "
                 "NULL, password_hash TEXT NOT NULL, created_ms INTEGER)");
  }
  {
    store_db db;
    auto err = open_store(db, old, false);
    REQUIRE_MESSAGE(!err, error_text(err));
  }
  auto old_db = open_db(old);
  CHECK(single_int(old_db, "PRAGMA user_version") == 1);

  auto newer = (dir.path / "newer.db").string();
  {
    auto newer_db = open_db(newer);
    exec(newer_db, "PRAGMA user_version = 7");
  }
  store_db db;
  auto err = open_store(db, newer, false);
  CHECK(error_text(err).find("schema version 7 is newer than this server's (1)")
        != std::string::npos);
}

} // TEST_SUITE("sqlite backup")
