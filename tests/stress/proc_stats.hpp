// What /proc says about a process (the server, in the stress scenarios):
// its resident memory, open descriptors, connected TCP sockets and CPU time.
// Each returns -1 when it cannot be read. No doctest assertions here:
// workers run on their own threads.
#pragma once

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <system_error>

#include <sys/types.h>
#include <unistd.h>

namespace chat::test::stress {

/// VmRSS of `pid` in KiB, or -1.
inline long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6));
  return -1;
}

/// Open descriptors of `pid` (entries of /proc/PID/fd), or -1.
inline long fd_count(pid_t pid) {
  std::error_code ec;
  long n = 0;
  for (std::filesystem::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end;
       !ec && it != end; it.increment(ec))
    ++n;
  return ec ? -1 : n;
}

/// TCP sockets `pid` holds open other than listening ones (its descriptors
/// that /proc/PID/net/tcp and tcp6 list in any state but LISTEN), or -1.
inline long connected_sockets(pid_t pid) {
  auto proc = "/proc/" + std::to_string(pid);
  std::set<std::string> inodes; // of the descriptors that are sockets
  std::error_code ec;
  for (std::filesystem::directory_iterator it(proc + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    std::error_code link_ec;
    auto target = std::filesystem::read_symlink(it->path(), link_ec).string();
    if (!link_ec && target.rfind("socket:[", 0) == 0)
      inodes.insert(target.substr(8, target.size() - 9));
  }
  if (ec)
    return -1;
  long n = 0;
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream in(proc + table);
    std::string line;
    std::getline(in, line); // the header
    while (std::getline(in, line)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      std::istringstream fields(line);
      std::string sl, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> sl >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout
        >> inode;
      if (state != "0A" && inodes.count(inode) > 0)
        ++n;
    }
  }
  return n;
}

/// CPU time (user + system) `pid` used so far, in seconds, or -1.
inline double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  auto paren = stat.rfind(')'); // the command name may hold spaces
  if (paren == std::string::npos)
    return -1;
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  double ticks = 0;
  for (int k = 3; fields >> field && k <= 15; ++k)
    if (k >= 14) // utime, stime
      ticks += std::stod(field);
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

} // namespace chat::test::stress
