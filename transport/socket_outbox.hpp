// Frames bound for the sockets of one I/O thread, gathered so that a room's
// fan-out costs one Asio post per I/O thread instead of one per socket.
//
// Actors hand a session its frames from CAF's threads. Posting each hand-over
// to the socket's executor would cost, per delivered frame, a handler
// allocation (on a CAF thread, freed on the I/O thread) and a type-erased
// executor copy. Here a hand-over is one push onto this thread's list under
// a mutex; only the push that finds the list empty posts a drain. The drain
// runs on the one thread that runs this io_context, the thread all of its
// sessions' handlers run on, so it calls them directly.
//
// Order: a session's frames and its close leave in the order they were
// pushed (all go through here).
//
// Writes: a drain hands every session its frames first and asks each one to
// write only after that, once (write_queued), so what was pushed apart for
// one socket (a message's echo from the user actor and its "sent" from the
// connection actor, the replies of one storage commit) leaves in one send().
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "protocol/messages.hpp"
#include "transport/net.hpp"

namespace chat {

class socket_outbox {
public:
  /// A session that takes what was pushed for it, on its I/O thread.
  class target {
  public:
    virtual ~target() = default;
    /// `frames` are moved from. A target may write them at once or keep
    /// them for write_queued.
    virtual void take_frames(frame_ptr* frames, std::size_t n, bool counted) = 0;
    virtual void take_close(std::uint16_t code, std::string reason) = 0;
    /// Called once per drain on every target the drain handed something,
    /// after all of it: writes what is queued.
    virtual void write_queued() = 0;

  private:
    friend class socket_outbox;
    bool in_drain_ = false; // already on the drain's list of targets to write
  };

  /// `ioc` must be run by exactly one thread.
  explicit socket_outbox(net::io_context& ioc) : ioc_(ioc) {}

  socket_outbox(const socket_outbox&) = delete;
  socket_outbox& operator=(const socket_outbox&) = delete;

  void push_frame(std::shared_ptr<target> to, frame_ptr frame) {
    push({std::move(to), std::move(frame), {}, true, false, 0, {}});
  }

  void push_frames(std::shared_ptr<target> to, frame_batch frames, bool counted) {
    push({std::move(to), nullptr, std::move(frames), counted, false, 0, {}});
  }

  void push_close(std::shared_ptr<target> to, std::uint16_t code, std::string reason) {
    push({std::move(to), nullptr, {}, false, true, code, std::move(reason)});
  }

private:
  struct entry {
    std::shared_ptr<target> to;
    frame_ptr one; // a single frame: no vector for it
    frame_batch many;
    bool counted;
    bool close;
    std::uint16_t code;
    std::string reason;
  };

  void push(entry e) {
    bool first;
    {
      std::lock_guard<std::mutex> guard{mtx_};
      first = pending_.empty();
      pending_.push_back(std::move(e));
    }
    if (first) // else a drain is already on its way
      net::post(ioc_, [this] { drain(); });
  }

  // On the I/O thread. Pushes made while it runs post the next drain.
  void drain() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      draining_.swap(pending_);
    }
    for (auto& e : draining_) {
      if (e.close)
        e.to->take_close(e.code, std::move(e.reason));
      else if (e.one)
        e.to->take_frames(&e.one, 1, e.counted);
      else
        e.to->take_frames(e.many.data(), e.many.size(), e.counted);
      if (!e.to->in_drain_) {
        e.to->in_drain_ = true;
        to_write_.push_back(e.to.get()); // kept alive by draining_
      }
    }
    for (auto* t : to_write_) {
      t->in_drain_ = false;
      t->write_queued();
    }
    to_write_.clear();
    draining_.clear();
  }

  net::io_context& ioc_;
  std::mutex mtx_;
  std::vector<entry> pending_;    // guarded by mtx_
  std::vector<entry> draining_;   // the I/O thread's own
  std::vector<target*> to_write_; // the I/O thread's own
};

} // namespace chat
