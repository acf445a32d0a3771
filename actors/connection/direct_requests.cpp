// The connection actor's direct messages and acks (actors/connection/
// connection_state.hpp). A direct (wire action "dm") is stored first,
// confirmed to the sender, then routed through the directory to the
// recipient's user actor if it is online; an ack goes to this user's actor.
#include "actors/connection/connection_state.hpp"

#include "common/clock.hpp"
#include "protocol/frames.hpp"

namespace chat::connection_detail {

namespace {

// Stores a direct to `to_user` (an id), confirms it, then routes it.
void store_direct(connection_pointer self, std::string to_user, std::string body,
                  const std::string& ref) {
  auto& st = self->state;
  direct_message msg{{},
                     std::move(to_user),
                     st.params.grant.who.user_id,
                     st.params.grant.who.name,
                     std::move(body),
                     unix_ms()};
  self->request(st.params.storage, caf::infinite, append_atom::value, std::move(msg))
    .then(
      [self, ref](const direct_message& stored) {
        auto& st = self->state;
        st.send(direct_sent_frame(ref, stored));
        self->send(st.params.directory, direct_atom::value, stored.to_user,
                   direct_delivery(stored));
      },
      [self, ref](const caf::error& err) { self->state.send_error(err, ref); });
}

} // namespace

// {"action":"dm","target":"<user_id>" or "@<name>","body":{...}}.
void on_dm(connection_pointer self, client_request& req) {
  auto& st = self->state;
  if (req.target.empty() || req.target.size() > 64) {
    st.send_error(chat_errc::bad_request, "target must be a user id or @name", req.ref);
    return;
  }
  auto body = object_body_text(req);
  if (!body) {
    st.send_error(chat_errc::bad_request, "body must be a JSON object", req.ref);
    return;
  }
  if (req.target.front() != '@') {
    store_direct(self, req.target, std::move(*body), req.ref);
    return;
  }
  // By name: the registry knows names. Later frames wait (await) so that
  // directs keep the order they were sent in.
  self
    ->request(st.params.registry, st.params.settings->request_timeout, user_atom::value,
              req.target.substr(1))
    .await(
      [self, body = std::move(*body), ref = req.ref](const identity& who) mutable {
        store_direct(self, who.user_id, std::move(body), ref);
      },
      [self, ref = req.ref](const caf::error& err) { self->state.send_error(err, ref); });
}

// {"action":"ack","body":{"ids":[...]},"ref":..}: "acked" goes out once the
// ack is in the user actor's mailbox, and only to an ack frame with a ref
// (docs/protocol.md): most clients ack and move on, and an answer to every
// ack frame was a sixth of the server's cost behind an ordinary client that
// acks every 50 ms (bench/profile.md). A client that will reconnect and
// must not see those messages again asks with a ref. The ack being in the
// mailbox is enough for that: whatever its new connection makes the user
// actor do is queued behind it. No request, so no reply message and no
// timeout entry in CAF's clock for the busiest frame clients send. Cluster
// mode asks, and answers once the ack is committed (no timeout: storage
// always answers, as for a post).
void on_ack(connection_pointer self, client_request& req) {
  auto& st = self->state;
  id_list ids;
  if (req.ack_ids) {
    ids = std::move(*req.ack_ids);
  } else {
    const auto* arr = req.body.is_object() && req.body.contains("ids") ? &req.body["ids"] : nullptr;
    if (arr == nullptr || !arr->is_array()) {
      st.send_error(chat_errc::bad_request, "body.ids must be an array of ids", req.ref);
      return;
    }
    for (const auto& id : *arr) {
      if (!id.is_string()) {
        st.send_error(chat_errc::bad_request, "body.ids must be an array of ids", req.ref);
        return;
      }
      ids.push_back(id.get<std::string>());
    }
  }
  auto count = ids.size();
  if (!st.params.settings->cluster) {
    self->send(st.user, ack_atom::value, std::move(ids));
    if (!req.ref.empty())
      st.send(acked_frame(req.ref, count));
    return;
  }
  // Cluster mode: the client may reconnect to another node, whose user
  // actor knows the ack only from the database. A failed commit is told
  // with or without a ref.
  self->request(st.user, caf::infinite, ack_atom::value, commit_atom::value, std::move(ids))
    .then(
      [self, ref = req.ref, count](bool) {
        if (!ref.empty())
          self->state.send(acked_frame(ref, count));
      },
      [self, ref = req.ref](const caf::error& err) { self->state.send_error(err, ref); });
}

} // namespace chat::connection_detail
