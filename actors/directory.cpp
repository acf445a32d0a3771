// The directory actor (actors/directory.hpp). A room is loaded once however
// many ask for it meanwhile (the first asker starts the load, the others
// wait with it); a user actor is spawned by the user's first connection and
// retired when it reports itself idle with no connect on its way.
#include "actors/directory.hpp"

#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <caf/typed_event_based_actor.hpp>

#include "actors/persist_beat.hpp"
#include "actors/room.hpp"
#include "actors/user.hpp"
#include "protocol/chat_error.hpp"

namespace chat {

namespace {

// A request for a room that is being loaded from storage.
struct room_waiter {
  caf::typed_response_promise<room_actor> rp;
  bool create;
  join_options opts;
};

struct user_entry {
  user_actor actor;
  std::uint64_t connects = 0; // connects forwarded to `actor` so far
};

struct directory_state {
  storage_actor storage;
  shared_settings settings; // handed to every user actor
  persist_beat_actor beat;  // likewise
  std::unordered_map<std::string, room_actor> rooms;
  std::unordered_map<std::string, std::vector<room_waiter>> loading;
  std::unordered_map<std::string, user_entry> users;
  // Cluster mode: the other nodes on which each user has a connection (the
  // cluster bus's reports).
  std::unordered_map<std::string, std::unordered_set<std::string>> elsewhere;
  static inline const char* name = "directory";

  void apply(const presence_report& report) {
    if (report.snapshot)
      elsewhere.clear();
    for (const auto& p : report.entries) {
      if (p.online) {
        elsewhere[p.user_id].insert(p.node_id);
        continue;
      }
      auto it = elsewhere.find(p.user_id);
      if (it == elsewhere.end())
        continue;
      it->second.erase(p.node_id);
      if (it->second.empty())
        elsewhere.erase(it);
    }
  }
};

using directory_pointer = directory_actor::stateful_pointer<directory_state>;

void finish_load(directory_pointer self, const std::string& name, caf::expected<room_actor> room) {
  auto& st = self->state;
  auto waiters = std::move(st.loading[name]);
  st.loading.erase(name);
  if (room)
    st.rooms.emplace(name, *room);
  for (auto& w : waiters) {
    if (room)
      w.rp.deliver(*room);
    else
      w.rp.deliver(room.error());
  }
}

// Spawns a loaded room and tells it which of its members are online: their
// user actors did not tell it at login, since it was not running then (see
// the online handler below). Sent before any waiter hears of the room, so
// these come before anything the waiters send it.
void spawn_loaded(directory_pointer self, room_record rec) {
  auto name = rec.name;
  auto& st = self->state;
  std::vector<std::pair<std::string, user_actor>> online;
  for (const auto& m : rec.members)
    if (auto it = st.users.find(m.user_id); it != st.users.end())
      online.emplace_back(m.user_id, it->second.actor);
  auto room = spawn_room(self->system(), std::move(rec), st.storage, *st.settings);
  for (auto& [user_id, user] : online)
    caf::anon_send(room, online_atom::value, user_id, user); // its `true` goes nowhere
  finish_load(self, name, room);
}

// Loads the stored room `name` and spawns it; `missing()` if none is stored.
template <class Missing>
void load_stored(directory_pointer self, const std::string& name, Missing missing) {
  auto& st = self->state;
  self->request(st.storage, st.settings->request_timeout, load_atom::value, room_atom::value, name)
    .then(
      [self, missing](std::optional<room_record>& rec) mutable {
        if (rec)
          spawn_loaded(self, std::move(*rec));
        else
          missing();
      },
      [self, name](caf::error& err) { finish_load(self, name, std::move(err)); });
}

// A room another node created while this one tried to: loaded as stored.
void load_created(directory_pointer self, const std::string& name) {
  load_stored(self, name, [self, name] {
    finish_load(self, name, make_error(chat_errc::storage, "room " + name + " vanished"));
  });
}

// No stored room by that name: create it if any waiter asked to, with the
// options of the first such waiter (the creator).
void create_or_fail(directory_pointer self, const std::string& name) {
  auto& st = self->state;
  const room_waiter* creator = nullptr;
  for (const auto& w : st.loading[name])
    if (w.create) {
      creator = &w;
      break;
    }
  if (creator == nullptr) {
    finish_load(self, name, make_error(chat_errc::unknown_room, "no such room: " + name));
    return;
  }
  room_record rec;
  rec.name = name;
  rec.is_private = creator->opts.is_private;
  rec.key = creator->opts.key;
  rec.max_members = creator->opts.max_members.value_or(st.settings->default_max_members);
  self->request(st.storage, st.settings->request_timeout, create_atom::value, room_atom::value, rec)
    .then([self, rec](bool) mutable { spawn_loaded(self, std::move(rec)); },
          [self, name](caf::error& err) {
            // Cluster mode: another node created it since the load (its
            // creator's options hold); load that one.
            if (to_chat_errc(err) == chat_errc::name_taken)
              load_created(self, name);
            else
              finish_load(self, name, std::move(err));
          });
}

caf::typed_response_promise<room_actor> find_room(directory_pointer self, const std::string& name,
                                                  bool create, join_options& opts) {
  auto& st = self->state;
  auto rp = self->make_response_promise<room_actor>();
  if (auto it = st.rooms.find(name); it != st.rooms.end())
    return rp.deliver(it->second);
  auto& waiters = st.loading[name];
  waiters.push_back({rp, create, std::move(opts)});
  if (waiters.size() == 1) // the first asker starts the load
    load_stored(self, name, [self, name] { create_or_fail(self, name); });
  return rp;
}

directory_actor::behavior_type directory(directory_pointer self, storage_actor storage,
                                         shared_settings settings) {
  self->state.storage = std::move(storage);
  self->state.settings = std::move(settings);
  self->state.beat = spawn_persist_beat(self->system(), self->state.settings->cursor_flush);
  return {
    [self](room_atom, const std::string& name, bool create, join_options& opts) {
      return find_room(self, name, create, opts);
    },
    // A user actor coming online, for one of its rooms: a running room is
    // told (its answer goes to the user); one that is not running (or is
    // loading) is not loaded for it: nothing can be posted there before it
    // is, and spawn_loaded tells it then. So a login does not load every
    // idle room of the user (one room actor per user's channel alone).
    [self](online_atom, const std::string& room, const std::string& user_id,
           const user_actor& user) -> caf::typed_response_promise<bool> {
      auto& rooms = self->state.rooms;
      auto rp = self->make_response_promise<bool>();
      auto it = rooms.find(room);
      if (it == rooms.end())
        return rp.deliver(false);
      return rp.delegate(it->second, online_atom::value, user_id, user);
    },
    [self](connect_atom, identity& who, const connection_actor& connection,
           const session_ptr& session) {
      auto& st = self->state;
      auto& entry = st.users[who.user_id];
      if (!entry.actor)
        entry.actor = spawn_user(self->system(), who, self, st.storage, st.settings, st.beat);
      ++entry.connects;
      self->send(entry.actor, connect_atom::value, connection, session);
      return entry.actor;
    },
    [self](idle_atom, const std::string& user_id, std::uint64_t connects) {
      auto& users = self->state.users;
      auto it = users.find(user_id);
      // Equal counts: no connect is on its way, so the user really is idle.
      if (it != users.end() && it->second.connects == connects) {
        self->send(it->second.actor, close_atom::value);
        users.erase(it);
      }
    },
    [self](direct_atom, const std::string& to_user, const delivery_ptr& d) {
      // Offline recipients find it in storage on connect.
      auto it = self->state.users.find(to_user);
      if (it != self->state.users.end())
        self->send(it->second.actor, deliver_atom::value,
                   delivery_batch{std::make_shared<const std::vector<delivery_ptr>>(1, d)});
    },
    [self](rooms_atom, const std::string& user_id, std::int64_t offer) {
      return self->delegate(self->state.storage, rooms_atom::value, user_id, offer);
    },
    [self](ack_atom, const std::string& user_id, cursor_list& cursors, id_list& ids) {
      // A user actor that is not running here waits for nothing.
      auto it = self->state.users.find(user_id);
      if (it != self->state.users.end())
        self->send(it->second.actor, ack_atom::value, std::move(cursors), std::move(ids));
    },
    [self](member_atom, const std::string& room, const identity& who, bool joined) {
      // A room that is not running here loads the change with its members.
      auto& st = self->state;
      auto it = st.rooms.find(room);
      if (it == st.rooms.end())
        return;
      auto user = st.users.find(who.user_id);
      self->send(it->second, member_atom::value, who,
                 user != st.users.end() ? user->second.actor : user_actor{}, joined);
    },
    [self](online_atom, const presence_report_ptr& report) { self->state.apply(*report); },
    [self](who_atom, member_list& members) {
      for (auto& m : members)
        m.online = m.online || self->state.elsewhere.count(m.user_id) > 0;
      return std::move(members);
    },
    [self](stored_atom, const room_event_ptr& event) {
      auto it = self->state.rooms.find(event->room);
      if (it != self->state.rooms.end())
        self->send(it->second, stored_atom::value, event);
    },
    [self](close_atom) {
      for (auto& [id, entry] : self->state.users)
        self->send(entry.actor, close_atom::value);
      for (auto& [name, room] : self->state.rooms)
        self->send(room, close_atom::value);
      self->send(self->state.beat, close_atom::value);
      self->quit();
    },
  };
}

} // namespace

directory_actor spawn_directory(caf::actor_system& sys, storage_actor storage,
                                shared_settings settings) {
  return sys.spawn(directory, std::move(storage), std::move(settings));
}

} // namespace chat
