// User actor: the user's mailbox. One per user with a connection (or with
// deliveries still awaiting their ack). It sits between the rooms and the
// user's connections: rooms deliver each message once to the user, the user
// forwards it to every connection (multi-device), tracks it until acked, and
// on every new connection replays what the user has not acked yet.
//
// Messages:
//   (attach_atom, caf::actor connection, session_ptr socket): from the
//        directory. The connection actor is monitored; frames go straight
//        to its socket: first the replay (directs, then each room's
//        backlog, then {"type":"replayed"}), then live traffic.
//   (deliver_atom, delivery_ptr): a room message or direct to track and send.
//   (deliver_atom, delivery_batch): a room's burst of messages, likewise;
//        each connection gets them as one frame_batch.
//   (deliver_atom, frame_ptr): a frame that needs no ack, for every connection.
//   (deliver_atom, actor_addr connection, frame_ptr): a frame for one
//        connection, in order with what its sender delivers next (`joined`).
//   (member_atom, room, int64 last_seq) / (leave_atom, room): from rooms.
//   (ack_atom, id_list): from a connection (no reply: see on_ack there).
//   (start_atom) -> bool: answered once every room knows the user is online.
//   (close_atom): from the directory: quit.
// With no connection and nothing in flight (ack deadlines passed) it tells
// the directory (idle_atom, user_id, attaches seen); the directory retires it
// unless an attach is on its way.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "actors/settings.hpp"
#include "protocol/atoms.hpp"
#include "protocol/messages.hpp"

namespace chat {

caf::actor spawn_user(caf::actor_system& sys, identity who, caf::actor directory,
                      caf::actor storage, actor_settings settings);

} // namespace chat
