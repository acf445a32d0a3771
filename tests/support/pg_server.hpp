// A throwaway PostgreSQL 15 server for the tests of cluster mode (label
// `cluster`): initdb into a fresh temporary folder, started on a free
// loopback port, removed when the test process ends. PostgreSQL refuses to
// run as root, so under root it runs as Debian's `postgres` user (runuser).
// fsync is off: the tests kill processes, not the machine, and a killed
// server's writes are still in the page cache.
#pragma once

#include <string>

namespace chat::test {

class pg_server {
public:
  /// The one server of this test process, started on first use. Fails the
  /// calling test (doctest REQUIRE) if PostgreSQL cannot be started.
  static pg_server& shared();

  pg_server(const pg_server&) = delete;
  pg_server& operator=(const pg_server&) = delete;
  ~pg_server();

  /// A new, empty database; its name (url(name) connects to it).
  std::string fresh_database();

  /// The connection string of database `name`.
  std::string url(const std::string& name) const;

  int port() const { return port_; }

  /// The postmaster's PID, from postmaster.pid (0 if not running).
  int pid() const;

  /// kill -9 of the postmaster (its backends follow) and wait until it is gone.
  void kill9();

  /// Starts the server again (after kill9: it recovers from its WAL).
  void start();

  /// Runs SQL on database `name` as the superuser; false (and a message on
  /// stderr) if it failed.
  bool exec(const std::string& name, const std::string& sql) const;

  /// The first column of the first row SQL returns on database `name`
  /// (empty if none, or if it failed).
  std::string value(const std::string& name, const std::string& sql) const;

private:
  pg_server();

  std::string dir_;
  int port_ = 0;
  int next_db_ = 0;
};

} // namespace chat::test
