// Runs the real chat-actors binary for integration tests: writes a config
// into a fresh temp folder (ports 0, minimal hash cost, database inside the
// folder), starts the server, captures stdout+stderr and learns the port
// from the "listening on http(s)://127.0.0.1:PORT" line. Tests talk to it with
// http_client / ws_client on 127.0.0.1:port().
#pragma once

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace chat::test {

/// The server binary: $CHAT_ACTORS_BIN if set, else the one CMake built.
std::string server_binary();

/// A unique folder under the system temp dir, removed with its contents on
/// destruction.
class temp_dir {
public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

  /// Writes `text` to path()/name (creating parent folders); returns the path.
  std::string write(const std::string& name, const std::string& text) const;

private:
  std::string path_;
};

/// Exit status and combined stdout+stderr of a finished process.
struct run_result {
  int exit_code = -1; // exit code, or -signal if killed by a signal
  std::string output;
};

/// Runs the server binary with `args` and `env` ("NAME=value") added to the
/// environment, waits for it to exit (SIGKILL after `timeout`, then
/// exit_code is -9) and returns its status and output.
run_result run_binary(const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout = std::chrono::seconds(20),
                      const std::vector<std::string>& env = {});

/// An INI file's text from "section.key" -> value pairs, a [section] per
/// prefix; throws std::invalid_argument for a key without a section.
std::string ini_text(const std::map<std::string, std::string>& values);

/// One server process with its own folder, config and database.
class server_process {
public:
  /// "section.key" -> value, e.g. {"auth.token_ttl_s", "2"}.
  using overrides = std::map<std::string, std::string>;

  /// Writes the config and starts the server with `args` after its --config
  /// and `env` ("NAME=value") added to the environment; throws
  /// std::runtime_error (with the server's output) if it does not print its
  /// listening line in 20 s.
  explicit server_process(const overrides& settings = {}, std::vector<std::string> args = {},
                          std::vector<std::string> env = {});
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  const std::string& dir() const { return dir_.path(); }
  std::string config_path() const;

  /// Everything the server printed so far, over all runs.
  std::string output() const;

  /// Waits until the current run's output contains `needle`.
  bool wait_for_output(const std::string& needle,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  /// Sends `signal` (SIGTERM by default) and waits for the exit; returns the
  /// exit code, -signal if killed by one, or -9 (SIGKILL) if it had to be SIGKILLed
  /// after `timeout`. Returns -1 when not running.
  int stop(int signal = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(20));

  /// SIGKILL and reap.
  void kill9();

  /// Stops (SIGTERM) if running and starts again on the same folder and
  /// database; the new port is in port().
  void restart();

private:
  void start();
  void join_reader();
  std::uint16_t wait_for_port(std::chrono::milliseconds timeout);

  temp_dir dir_;
  std::vector<std::string> args_; // after --config, at every start
  std::vector<std::string> env_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int read_fd_ = -1;
  std::thread reader_;
  mutable std::mutex mtx_;
  mutable std::condition_variable cv_;
  std::string output_;        // guarded by mtx_
  std::size_t run_start_ = 0; // offset of the current run in output_
  bool eof_ = false;          // guarded by mtx_: the current run's pipe closed
};

} // namespace chat::test
