// Reading and writing a store's SQLite file from a test, as a second
// process would: through the store's own wrappers (storage/sqlite_db.hpp),
// so WAL and the busy timeout are those the server uses. Shared by the
// storage tests that look at the file itself (backups, schema versions,
// the messages table's layout).
#pragma once
#include <cstdint>
#include <string>

#include <doctest/doctest.h>

#include "protocol/chat_error.hpp"
#include "storage/sqlite_db.hpp"

namespace chat::test {

/// Opens (or creates, with its folder) the database file at `path`.
inline sqlite_db open_db(const std::string& path) {
  sqlite_db db;
  auto err = db.open(path, false);
  REQUIRE_MESSAGE(!err, error_text(err));
  return db;
}

/// Runs `sql` (one statement or several); any error fails the test.
inline void exec(sqlite_db& db, const std::string& sql) {
  auto err = db.exec(sql.c_str());
  REQUIRE_MESSAGE(!err, sql, ": ", error_text(err));
}

/// The first row of `sql`, read by `column`.
template <class Column>
auto single(sqlite_db& db, const std::string& sql, Column column) {
  statement st;
  REQUIRE(!st.prepare(db, sql.c_str()));
  st.bind();
  REQUIRE(st.next());
  return column(st);
}

inline std::int64_t single_int(sqlite_db& db, const std::string& sql) {
  return single(db, sql, [](const statement& st) { return st.int64_at(0); });
}

inline std::string single_text(sqlite_db& db, const std::string& sql) {
  return single(db, sql, [](const statement& st) { return st.text_at(0); });
}

} // namespace chat::test
