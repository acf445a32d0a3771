// Reading what a room sends a scoped actor that stands in for a user actor
// (tests/actors/room_test.cpp, room_cluster_test.cpp): its deliveries' room
// message seqs, with the rest of a user actor's traffic from a room
// (presence frames, the joined relay, joined, left) taken and dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/scoped_actor.hpp>

#include "actors/interfaces.hpp"
#include "protocol/atoms.hpp"

namespace chat::test {

/// Takes the next message a room sent `user` within `timeout`, appending the
/// seqs of the room messages a delivery carries to `seqs`; false when
/// nothing came.
inline bool receive_delivery(caf::scoped_actor& user, std::vector<std::int64_t>& seqs,
                             std::chrono::milliseconds timeout) {
  bool got = true;
  user->receive(
    [&](deliver_atom, const delivery_batch& batch) {
      for (const auto& d : *batch)
        if (!d->id.empty()) // presence carries no id
          seqs.push_back(d->seq);
    },
    [](relay_atom, const caf::actor_addr&, const frame_ptr&) {},
    [](joined_atom, const std::string&, std::int64_t) {}, [](left_atom, const std::string&) {},
    caf::after(timeout) >> [&] { got = false; });
  return got;
}

} // namespace chat::test
