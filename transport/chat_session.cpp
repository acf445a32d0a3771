#include "transport/chat_session.hpp"

#include <caf/send.hpp>

#include "actors/connection.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocol/atoms.hpp"
#include "transport/io_pool.hpp"

namespace chat {

namespace {

struct transport_metrics {
  metrics::counter& accepted;
  metrics::counter& closed;
  metrics::gauge& live;
};

transport_metrics metrics_of(chat_session::transport kind) {
  auto& m = metrics::get();
  if (kind == chat_session::transport::tcp)
    return {m.tcp_accepted, m.tcp_closed, m.tcp_live};
  return {m.ws_accepted, m.ws_closed, m.ws_live};
}

} // namespace

chat_session::chat_session(transport kind, const net::any_io_executor& socket_executor,
                           std::shared_ptr<server_context> ctx,
                           connection_limits::slot address_slot)
  : ctx_(std::move(ctx)),
    kind_(kind),
    outbox_(ctx_->pool->outbox_of(socket_executor)),
    id_("c" + std::to_string(ctx_->next_connection_id++)),
    address_slot_(std::move(address_slot)) {
}

chat_session::~chat_session() {
  if (!live_)
    return;
  auto m = metrics_of(kind_);
  m.closed.add();
  m.live.add(-1);
  auto live = ctx_->limits->live() - 1; // place_ is given back right after this
  log_info("disconnect " + who() + " live=" + std::to_string(live));
}

void chat_session::open(token_grant grant, connection_limits::slot place) {
  user_name_ = grant.who.name;
  place_ = std::move(place);
  live_ = true;
  auto m = metrics_of(kind_);
  m.accepted.add();
  m.live.add(1);
  log_info("connect " + who() + " live=" + std::to_string(ctx_->limits->live()));
  connection_ = spawn_connection(
    ctx_->sys, connection_params{id_, std::move(grant), shared_from_this(), ctx_->directory,
                                 ctx_->registry, ctx_->storage, ctx_->actor_cfg});
}

void chat_session::send(frame_ptr frame) {
  outbox_.push_frame(shared_from_this(), std::move(frame));
}

void chat_session::send_batch(frame_batch frames, bool counted) {
  outbox_.push_frames(shared_from_this(), std::move(frames), counted);
}

void chat_session::close(std::uint16_t code, std::string reason) {
  outbox_.push_close(shared_from_this(), code, std::move(reason));
}

void chat_session::to_connection(std::string text) {
  caf::anon_send(connection_, frame_atom::value, std::move(text));
}

void chat_session::detach() {
  if (!connection_)
    return;
  caf::anon_send(connection_, close_atom::value);
  // The actor keeps a reference to this session until it quits; dropping
  // ours breaks the cycle.
  connection_ = nullptr;
}

void chat_session::warn_slow_consumer() const {
  // What the client missed stays owed (its cursors, the directs table) and
  // is replayed on reconnect.
  log_warn("closing slow consumer " + who() + ": write queue full");
}

std::string chat_session::who() const {
  return "conn=" + id_ + " user=" + user_name_ + (kind_ == transport::tcp ? " transport=tcp" : "");
}

} // namespace chat
