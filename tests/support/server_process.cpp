// Spawns the server with posix_spawn: stdout+stderr go to a pipe that a
// reader thread drains into a buffer (so the server never blocks on a full
// pipe), every other inherited descriptor is closed in the child.
#include "tests/support/server_process.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CHAT_ACTORS_BIN
#define CHAT_ACTORS_BIN "chat-actors"
#endif
#ifndef CHAT_SOURCE_DIR
#define CHAT_SOURCE_DIR "."
#endif

extern char** environ;

namespace chat::test {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

namespace {

// "listening on http://127.0.0.1:PORT", or https:// with [tls].
constexpr const char* listening_marker = "listening on http";
constexpr const char* listening_host = "://127.0.0.1:";

/// This process's environment with `extra` ("NAME=value") set over it.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string var = *e;
    auto name = var.substr(0, var.find('=') + 1);
    bool replaced = std::any_of(extra.begin(), extra.end(),
                                [&](const std::string& x) { return x.rfind(name, 0) == 0; });
    if (!replaced)
      env.push_back(std::move(var));
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

/// Starts `argv` with stdout and stderr on a new pipe and `extra_env` set;
/// returns the pid and stores the pipe's read end in `read_fd`. Throws on
/// failure.
pid_t spawn(const std::vector<std::string>& args, int& read_fd,
            const std::vector<std::string>& extra_env = {}) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  // Test sockets are not CLOEXEC: keep them out of the server.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  std::vector<char*> argv;
  for (auto& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  auto env = environment_with(extra_env);
  std::vector<char*> envp;
  for (auto& var : env)
    envp.push_back(var.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  int err = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (err != 0) {
    close(fds[0]);
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(err));
  }
  read_fd = fds[0];
  return pid;
}

/// Turns a waitpid status into an exit code, or -signal.
int decode(int status) {
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return -WTERMSIG(status);
  return -1;
}

/// Waits up to `timeout` for `pid`; SIGKILLs it after that (returns -9).
int wait_or_kill(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = clock_type::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t res = waitpid(pid, &status, WNOHANG);
    if (res == pid)
      return decode(status);
    if (res < 0 && errno != EINTR)
      return -1;
    if (clock_type::now() >= deadline)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return -SIGKILL;
}

} // namespace

std::string server_binary() {
  if (const char* env = std::getenv("CHAT_ACTORS_BIN"); env && *env)
    return env;
  return CHAT_ACTORS_BIN;
}

// -- temp_dir -----------------------------------------------------------------

temp_dir::temp_dir() {
  auto tmpl = (fs::temp_directory_path() / "chat-actors-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr)
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string temp_dir::write(const std::string& name, const std::string& text) const {
  fs::path file = fs::path(path_) / name;
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out)
    throw std::runtime_error("cannot write " + file.string());
  return file.string();
}

// -- run_binary ---------------------------------------------------------------

run_result run_binary(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                      const std::vector<std::string>& env) {
  std::vector<std::string> argv{server_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  int fd = -1;
  pid_t pid = spawn(argv, fd, env);
  run_result result;
  std::thread reader([&] {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      result.output.append(buf, static_cast<std::size_t>(n));
    }
  });
  result.exit_code = wait_or_kill(pid, timeout);
  reader.join();
  close(fd);
  return result;
}

std::string ini_text(const std::map<std::string, std::string>& values) {
  std::map<std::string, std::string> sections; // section -> "key = value" lines
  for (const auto& [key, value] : values) {
    auto dot = key.find('.');
    if (dot == std::string::npos)
      throw std::invalid_argument("config key without section: " + key);
    sections[key.substr(0, dot)].append(key, dot + 1).append(" = ").append(value).append("\n");
  }
  std::string ini;
  for (const auto& [section, lines] : sections)
    ini.append("\n[").append(section).append("]\n").append(lines);
  return ini;
}

// -- server_process -----------------------------------------------------------

server_process::server_process(const overrides& settings, std::vector<std::string> args,
                               std::vector<std::string> env)
  : args_(std::move(args)),
    env_(std::move(env)) {
  overrides all{
    {"server.bind", "127.0.0.1"},
    {"server.http_port", "0"},
    {"server.tcp_port", "0"},
    {"server.web_root", CHAT_SOURCE_DIR "/web"},
    {"storage.path", (fs::path(dir_.path()) / "chat.db").string()},
    {"auth.hash_ops", "1"},
    {"auth.hash_mem_kib", "8"},
    // Every test client comes from 127.0.0.1, and the stress tests log in
    // a thousand users at once: the address caps are for the tests that
    // check them (tests/integration/limits_test.cpp) to set.
    {"limits.max_connections_per_ip", "100000"},
    {"limits.logins_per_minute_per_ip", "1000000"},
    {"limits.logins_per_minute_per_name", "1000000"},
  };
  for (auto& [key, value] : settings)
    all[key] = value;
  dir_.write("server.ini", "; written by tests/support/server_process\n" + ini_text(all));
  try {
    start();
  } catch (...) {
    if (running())
      kill9();
    join_reader();
    throw;
  }
}

server_process::~server_process() {
  if (running())
    kill9();
  join_reader();
}

std::string server_process::config_path() const {
  return (fs::path(dir_.path()) / "server.ini").string();
}

std::string server_process::output() const {
  std::lock_guard<std::mutex> guard(mtx_);
  return output_;
}

bool server_process::wait_for_output(const std::string& needle,
                                     std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> guard(mtx_);
  return cv_.wait_for(guard, timeout,
                      [&] { return output_.find(needle, run_start_) != std::string::npos; });
}

void server_process::start() {
  {
    std::lock_guard<std::mutex> guard(mtx_);
    run_start_ = output_.size();
    eof_ = false;
  }
  std::vector<std::string> argv{server_binary(), "--config", config_path()};
  argv.insert(argv.end(), args_.begin(), args_.end());
  pid_ = spawn(argv, read_fd_, env_);
  reader_ = std::thread([this, fd = read_fd_] {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      std::lock_guard<std::mutex> guard(mtx_);
      if (n <= 0) {
        eof_ = true;
        cv_.notify_all();
        return;
      }
      output_.append(buf, static_cast<std::size_t>(n));
      cv_.notify_all();
    }
  });
  port_ = wait_for_port(std::chrono::seconds(20));
}

std::uint16_t server_process::wait_for_port(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> guard(mtx_);
  long port = -1;
  auto parsed = [&] {
    auto pos = output_.find(listening_marker, run_start_);
    if (pos == std::string::npos)
      return false;
    pos = output_.find(listening_host, pos);
    if (pos == std::string::npos)
      return false;
    pos += std::strlen(listening_host);
    auto end = output_.find_first_not_of("0123456789", pos);
    if (end == std::string::npos || end == pos)
      return false; // the rest of the line has not arrived yet
    port = std::strtol(output_.c_str() + pos, nullptr, 10);
    return true;
  };
  cv_.wait_for(guard, timeout, [&] { return parsed() || eof_; });
  if (port > 0 && port < 65536)
    return static_cast<std::uint16_t>(port);
  std::string why
    = eof_ ? "the server exited before listening" : "no listening line within the timeout";
  throw std::runtime_error(why + "; output:\n" + output_.substr(run_start_));
}

int server_process::stop(int signal, std::chrono::milliseconds timeout) {
  if (!running())
    return -1;
  ::kill(pid_, signal);
  int code = wait_or_kill(pid_, timeout);
  pid_ = -1;
  join_reader();
  return code;
}

void server_process::kill9() {
  if (!running())
    return;
  ::kill(pid_, SIGKILL);
  wait_or_kill(pid_, std::chrono::seconds(10));
  pid_ = -1;
  join_reader();
}

void server_process::restart() {
  if (running())
    stop();
  start();
}

void server_process::join_reader() {
  if (reader_.joinable())
    reader_.join();
  if (read_fd_ >= 0) {
    close(read_fd_);
    read_fd_ = -1;
  }
}

} // namespace chat::test
