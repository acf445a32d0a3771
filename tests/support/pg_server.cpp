// A throwaway PostgreSQL server for tests (tests/support/pg_server.hpp).
#include "tests/support/pg_server.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libpq-fe.h>

namespace chat::test {

namespace {

const std::string bin = "/usr/lib/postgresql/15/bin/";

/// As root, PostgreSQL's tools run as Debian's postgres user.
std::string as_owner(const std::string& command) {
  if (geteuid() == 0)
    return "runuser -u postgres -- " + command;
  return command;
}

int run(const std::string& command) {
  return std::system(command.c_str());
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0
      && getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

} // namespace

pg_server& pg_server::shared() {
  static pg_server server;
  return server;
}

pg_server::pg_server() {
  char tmpl[] = "/tmp/chat-pg-XXXXXX";
  if (!mkdtemp(tmpl))
    throw std::runtime_error("pg_server: cannot make a temporary folder");
  dir_ = tmpl;
  if (geteuid() == 0 && run("chown postgres: " + dir_) != 0)
    throw std::runtime_error("pg_server: cannot give " + dir_ + " to the postgres user");
  if (run(as_owner(bin + "initdb -D " + dir_
                   + "/data -U postgres -A trust -E UTF8"
                     " --locale=C --no-sync >"
                   + dir_ + "/initdb.log 2>&1"))
      != 0)
    throw std::runtime_error("pg_server: initdb failed (see " + dir_
                             + "/initdb.log; is"
                               " postgresql-15 installed? scripts/setup installs it)");
  port_ = free_port();
  start();
}

pg_server::~pg_server() {
  run(as_owner(bin + "pg_ctl -D " + dir_ + "/data -m immediate stop >/dev/null 2>&1"));
  run("rm -rf " + dir_);
}

void pg_server::start() {
  // The socket folder is ours too, so no other server's /var/run is used.
  auto options = "-p " + std::to_string(port_) + " -k " + dir_
                 + " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200";
  if (run(as_owner(bin + "pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o '"
                   + options + "' start >/dev/null 2>&1"))
      != 0)
    throw std::runtime_error("pg_server: pg_ctl start failed (see " + dir_ + "/server.log)");
}

int pg_server::pid() const {
  std::ifstream in{dir_ + "/data/postmaster.pid"};
  int pid = 0;
  in >> pid;
  return pid;
}

void pg_server::kill9() {
  int postmaster = pid();
  if (postmaster <= 0)
    return;
  ::kill(postmaster, SIGKILL);
  // Gone once signal 0 fails; its backends notice and exit by themselves.
  for (int i = 0; i < 500 && ::kill(postmaster, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
}

std::string pg_server::url(const std::string& name) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " user=postgres dbname=" + name;
}

bool pg_server::exec(const std::string& name, const std::string& sql) const {
  PGconn* conn = PQconnectdb(url(name).c_str());
  bool ok = PQstatus(conn) == CONNECTION_OK;
  if (ok) {
    PGresult* res = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(res);
    ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    PQclear(res);
  }
  if (!ok)
    std::fprintf(stderr, "pg_server: %s: %s", sql.c_str(), PQerrorMessage(conn));
  PQfinish(conn);
  return ok;
}

std::string pg_server::value(const std::string& name, const std::string& sql) const {
  PGconn* conn = PQconnectdb(url(name).c_str());
  std::string result;
  if (PQstatus(conn) == CONNECTION_OK) {
    PGresult* res = PQexec(conn, sql.c_str());
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
      result = PQgetvalue(res, 0, 0);
    PQclear(res);
  }
  PQfinish(conn);
  return result;
}

std::string pg_server::fresh_database() {
  auto name = "test" + std::to_string(++next_db_);
  if (!exec("postgres", "CREATE DATABASE " + name))
    throw std::runtime_error("pg_server: cannot create database " + name);
  return name;
}

} // namespace chat::test
