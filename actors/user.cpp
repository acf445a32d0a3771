#include "actors/user.hpp"

#include <cstdint>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

namespace chat {

namespace {

struct user_state {
  identity who;
  std::vector<caf::actor> connections; // a handful at most: a vector is fastest
  std::uint64_t attaches = 0;
  caf::actor directory;
  static inline const char* name = "user";
};

using user_actor = caf::stateful_actor<user_state>;

caf::behavior user(user_actor* self, identity who, caf::actor directory,
                   caf::actor storage, actor_settings settings) {
  self->state.who = std::move(who);
  self->state.directory = directory;
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& conns = self->state.connections;
    for (auto it = conns.begin(); it != conns.end(); ++it)
      if (it->address() == dm.source) {
        conns.erase(it);
        break;
      }
    if (conns.empty())
      self->send(self->state.directory, idle_atom::value, self->state.who.user_id,
                 self->state.attaches);
  });
  // Come online in every room the user belongs to.
  self
    ->request(storage, settings.request_timeout, user_atom::value,
              rooms_atom::value, self->state.who.user_id)
    .then([self, directory, settings](const name_list& rooms) {
      for (const auto& name : rooms)
        self->request(directory, settings.request_timeout, room_atom::value, name,
                      false, join_options{})
          .then(
            [self](const caf::actor& room) {
              self->send(room, attach_atom::value, self->state.who.user_id,
                         caf::actor{self});
            },
            [](const caf::error&) {
              // A room that vanished meanwhile: nothing to attach to.
            });
    },
    [](const caf::error&) {
      // Storage unavailable: the user still gets rooms joined from now on.
    });
  return {
    [self](attach_atom, const caf::actor& conn) {
      ++self->state.attaches;
      self->state.connections.push_back(conn);
      self->monitor(conn);
    },
    [self](deliver_atom, const frame_ptr& frame) {
      for (const auto& conn : self->state.connections)
        self->send(conn, deliver_atom::value, frame);
    },
    [self](close_atom) {
      for (const auto& conn : self->state.connections)
        self->send(conn, close_atom::value);
      self->quit();
    },
  };
}

} // namespace

caf::actor spawn_user(caf::actor_system& sys, identity who,
                      caf::actor directory, caf::actor storage,
                      actor_settings settings) {
  return sys.spawn(user, std::move(who), std::move(directory),
                   std::move(storage), settings);
}

} // namespace chat
