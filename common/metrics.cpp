#include "common/metrics.hpp"

#include <cstdio>
#include <functional>
#include <thread>

#include <unistd.h>

namespace chat::metrics {

namespace {

// A thread's shard: spread by thread id, fixed for the thread's life.
std::size_t my_shard() {
  thread_local const std::size_t shard
    = std::hash<std::thread::id>{}(std::this_thread::get_id()) % 8;
  return shard;
}

// Resident set size in bytes (from /proc/self/statm), 0 if unreadable.
std::uint64_t rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr)
    return 0;
  unsigned long pages = 0;
  unsigned long resident = 0;
  int got = std::fscanf(f, "%lu %lu", &pages, &resident);
  std::fclose(f);
  return got == 2 ? static_cast<std::uint64_t>(resident)
                      * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE))
                  : 0;
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", x);
  return buf;
}

class writer {
public:
  void head(const char* name, const char* type, const char* help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  void sample(const std::string& name, const std::string& labels, const std::string& value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

  template <class T>
  void by_transport(const char* name, const char* type, const char* help, T websocket, T tcp) {
    head(name, type, help);
    sample(name, "transport=\"websocket\"", std::to_string(websocket));
    sample(name, "transport=\"tcp\"", std::to_string(tcp));
  }

  template <class T>
  void one(const char* name, const char* type, const char* help, T value) {
    head(name, type, help);
    sample(name, {}, std::to_string(value));
  }

  void hist(const char* name, const char* help, const histogram& h) {
    head(name, "histogram", help);
    auto counts = h.cumulative();
    for (std::size_t i = 0; i < h.bounds().size(); ++i)
      sample(std::string(name) + "_bucket", "le=\"" + number(h.bounds()[i]) + "\"",
             std::to_string(counts[i]));
    sample(std::string(name) + "_bucket", "le=\"+Inf\"", std::to_string(counts.back()));
    sample(std::string(name) + "_sum", {}, number(h.sum()));
    sample(std::string(name) + "_count", {}, std::to_string(counts.back()));
  }

  std::string out_;
};

} // namespace

void counter::add(std::uint64_t n) {
  shards_[my_shard()].n.fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t counter::value() const {
  std::uint64_t total = 0;
  for (const auto& s : shards_)
    total += s.n.load(std::memory_order_relaxed);
  return total;
}

histogram::histogram(std::vector<double> bounds)
  : bounds_(std::move(bounds)),
    counts_(bounds_.size() + 1) {
}

void histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<std::uint64_t>(value * 1e6), std::memory_order_relaxed);
}

std::vector<std::uint64_t> histogram::cumulative() const {
  std::vector<std::uint64_t> out;
  out.reserve(counts_.size());
  std::uint64_t running = 0;
  for (const auto& c : counts_) {
    running += c.load(std::memory_order_relaxed);
    out.push_back(running);
  }
  return out;
}

double histogram::sum() const {
  return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6;
}

registry& get() {
  static registry instance;
  return instance;
}

std::string render(const char* (*code_name)(int)) {
  auto& m = get();
  writer w;
  w.by_transport("chat_connections", "gauge", "Live chat connections, by transport.",
                 m.ws_live.value(), m.tcp_live.value());
  w.by_transport("chat_connections_accepted_total", "counter",
                 "Chat connections opened (authorized), by transport.", m.ws_accepted.value(),
                 m.tcp_accepted.value());
  w.by_transport("chat_connections_closed_total", "counter",
                 "Chat connections closed, by transport.", m.ws_closed.value(),
                 m.tcp_closed.value());
  w.one("chat_connections_refused_total", "counter",
        "Connections refused by max_connections or max_connections_per_ip.",
        m.refused_connections.value());
  w.one("chat_frames_in_total", "counter", "Frames received from clients.", m.frames_in.value());
  w.one("chat_frames_out_total", "counter", "Frames queued for clients' sockets.",
        m.frames_out.value());
  w.one("chat_rate_limited_frames_total", "counter",
        "Frames refused with rate_limited (also counted in chat_rejected_frames_total).",
        m.rate_limited.value());
  w.head("chat_rejected_frames_total", "counter", "Error frames sent, by error code.");
  for (std::size_t i = 0; i < m.rejected.size(); ++i) {
    const char* name = code_name(static_cast<int>(i));
    if (name != nullptr && *name != '\0')
      w.sample("chat_rejected_frames_total", std::string("code=\"") + name + "\"",
               std::to_string(m.rejected[i].value()));
  }
  w.one("chat_deliveries_total", "counter", "Message copies sent to live connections.",
        m.deliveries.value());
  w.one("chat_acks_total", "counter", "Message ids acked by clients.", m.acks.value());
  w.one("chat_replayed_messages_total", "counter", "Messages sent again on reconnect.",
        m.replayed.value());
  w.one("chat_unacked_messages", "gauge",
        "Messages delivered to a connection and not acked yet (every user actor's in-flight set).",
        m.unacked.value());
  w.hist("chat_storage_batch_writes", "Writes per storage commit (group commit size).",
         m.storage_batch);
  w.hist("chat_storage_commit_seconds", "Time one storage commit took.", m.storage_commit_seconds);
  w.hist("chat_storage_checkpoint_seconds",
         "Time one WAL checkpoint took (after a commit, every ~1000 WAL pages).",
         m.storage_checkpoint_seconds);
  w.one("chat_storage_failures_total", "counter", "Storage commits or writes that failed.",
        m.storage_failures.value());
  w.one("chat_bus_events_total", "counter",
        "Cluster mode: room events the bus received (notifications and checks).",
        m.bus_events.value());
  w.one("chat_bus_reconnects_total", "counter",
        "Cluster mode: times the bus connected (LISTEN) again after losing its connection.",
        m.bus_reconnects.value());
  w.one("chat_bus_catch_ups_total", "counter",
        "Cluster mode: checks of every room's last seq against the database.",
        m.bus_catch_ups.value());
  w.one("chat_gaps_repaired_total", "counter",
        "Cluster mode: messages a room read from the database because the bus missed them.",
        m.gaps_repaired.value());
  w.one("chat_bus_queue_usage_ratio", "gauge",
        "Cluster mode: PostgreSQL's notification queue usage (0..1) at the last check.",
        static_cast<double>(m.bus_queue_permille.value()) / 1000.0);
  if (!m.node_id.empty()) {
    w.head("chat_node_info", "gauge", "Cluster mode: this node's name ([cluster] node_id); 1.");
    std::string label = "node_id=\"";
    for (char c : m.node_id) { // the exposition format's label value escapes
      if (c == '\n') {
        label += "\\n";
        continue;
      }
      if (c == '\\' || c == '"')
        label += '\\';
      label += c;
    }
    w.sample("chat_node_info", label + "\"", "1");
  }
  w.head("chat_actors", "gauge", "Live actors, by kind.");
  w.sample("chat_actors", "kind=\"room\"", std::to_string(m.rooms.value()));
  w.sample("chat_actors", "kind=\"user\"", std::to_string(m.users.value()));
  w.sample("chat_actors", "kind=\"connection\"", std::to_string(m.connections.value()));
  w.one("chat_http_requests_total", "counter", "HTTP requests read (upgrades included).",
        m.http_requests.value());
  w.one("chat_http_rate_limited_total", "counter", "HTTP requests refused with 429.",
        m.http_rate_limited.value());
  w.one("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", rss_bytes());
  return std::move(w.out_);
}

} // namespace chat::metrics
