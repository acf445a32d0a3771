#include "transport/http_api.hpp"

#include <algorithm>

#include <caf/event_based_actor.hpp>
#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocol/atoms.hpp"
#include "protocol/frames.hpp"
#include "protocol/messages.hpp"

namespace chat {

namespace {

using json = nlohmann::json;

// The parts of a request a late response still needs.
http_request head_of(const http_request& req) {
  http_request head{req.method(), req.target(), req.version()};
  head.keep_alive(req.keep_alive());
  return head;
}

http_response error_of(const http_request& head, const caf::error& err) {
  return error_response(head, status_of(to_chat_errc(err)), error_text(err));
}

// Asks `dest` from a bridge actor; `on_ok` (run on a CAF thread) turns the
// reply into a response, errors become {"error"} responses.
template <class Reply, class Handle, class OnOk, class... Ts>
void ask(server_context& ctx, const Handle& dest, const http_request& req, const responder& done,
         OnOk on_ok, Ts... xs) {
  auto timeout = ctx.actor_cfg->request_timeout;
  ctx.sys.spawn([=, head = head_of(req)](caf::event_based_actor* self) {
    self->request(dest, timeout, xs...)
      .then([=](Reply& reply) { done(on_ok(head, reply)); },
            [=](const caf::error& err) { done(error_of(head, err)); });
  });
}

struct credentials {
  std::string name;
  std::string password;
  std::string server_password;
};

std::optional<credentials> read_credentials(const http_request& req) {
  auto doc = json::parse(req.body(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::nullopt;
  auto text = [&](const char* key) -> std::optional<std::string> {
    auto it = doc.find(key);
    if (it == doc.end())
      return std::string{};
    if (!it->is_string())
      return std::nullopt;
    return it->get<std::string>();
  };
  auto name = text("name");
  auto password = text("password");
  auto server_password = text("server_password");
  if (!name || !password || !server_password)
    return std::nullopt;
  return credentials{*name, *password, *server_password};
}

// 429 with Retry-After (whole seconds, rounded up) and retry_after_ms.
http_response too_many(const http_request& req, std::int64_t wait_ms, const char* what) {
  metrics::get().http_rate_limited.add();
  auto res = json_response(req, http::status::too_many_requests,
                           json{{"error", std::string("too many ") + what + ", try again later"},
                                {"code", "rate_limited"},
                                {"retry_after_ms", wait_ms}}
                             .dump());
  res.set(http::field::retry_after, std::to_string((wait_ms + 999) / 1000));
  return res;
}

void post_register(server_context& ctx, const http_request& req, const std::string& peer,
                   const responder& done) {
  auto c = read_credentials(req);
  if (!c)
    return done(error_response(req, http::status::bad_request,
                               "body must be a JSON object with string name and password"));
  if (auto wait = ctx.logins->registration(peer, steady_ms()); wait > 0) {
    log_warn("registration from " + peer + " refused: over logins_per_minute_per_ip");
    return done(too_many(req, wait, "registrations from this address"));
  }
  ask<identity>(
    ctx, ctx.registry, req, done,
    [](const http_request& head, identity& who) {
      return json_response(head, http::status::created,
                           json{{"user_id", who.user_id}, {"name", who.name}}.dump());
    },
    register_atom::value, c->name, c->password, c->server_password);
}

void post_login(server_context& ctx, const http_request& req, const std::string& peer,
                const responder& done) {
  auto c = read_credentials(req);
  if (!c)
    return done(error_response(req, http::status::bad_request,
                               "body must be a JSON object with string name and password"));
  if (auto wait = ctx.logins->login(c->name, peer, steady_ms()); wait > 0) {
    log_warn("login as '" + c->name + "' from " + peer + " refused: too many attempts");
    return done(too_many(req, wait, "login attempts"));
  }
  ask<login_result>(
    ctx, ctx.registry, req, done,
    [](const http_request& head, login_result& r) {
      return json_response(head, http::status::ok,
                           json{{"token", r.token},
                                {"user_id", r.who.user_id},
                                {"name", r.who.name},
                                {"expires_in", r.expires_in}}
                             .dump());
    },
    login_atom::value, c->name, c->password, c->server_password);
}

void post_logout(server_context& ctx, const http_request& req, const responder& done) {
  ask<bool>(
    ctx, ctx.registry, req, done,
    [](const http_request& head, bool) {
      auto res = json_response(head, http::status::no_content, {});
      res.erase(http::field::content_type);
      return res;
    },
    logout_atom::value, bearer_token(req));
}

// What a client needs to know before login: whether to ask for the server
// password, and the frame limit.
void get_info(server_context& ctx, const http_request& req, const responder& done) {
  done(json_response(req, http::status::ok,
                     json{{"server", "chat-actors"},
                          {"server_password", ctx.cfg.server_password_required},
                          {"max_frame_bytes", ctx.cfg.max_frame_bytes},
                          {"history_page_size", ctx.actor_cfg->history_page_size}}
                       .dump()));
}

// Whether a token is still good, and for how long: a client asks this when
// its socket is refused, to tell an expired token from a server that is down.
void get_me(server_context& ctx, const http_request& req, const responder& done) {
  ask<token_grant>(
    ctx, ctx.registry, req, done,
    [](const http_request& head, token_grant& grant) {
      auto left_ms = grant.expires_at_ms - unix_ms();
      return json_response(head, http::status::ok,
                           json{{"user_id", grant.who.user_id},
                                {"name", grant.who.name},
                                {"expires_in", std::max<std::int64_t>(0, left_ms / 1000)}}
                             .dump());
    },
    auth_atom::value, bearer_token(req));
}

// Token check, room lookup, then the room's history: three hops, one bridge.
void get_history(server_context& ctx, const http_request& req, const responder& done) {
  auto room = query_param(req.target(), "room");
  if (!room || room->empty())
    return done(error_response(req, http::status::bad_request, "missing room parameter"));
  std::int64_t page = 0;
  if (auto p = query_param(req.target(), "page"); p && !p->empty()) {
    if (p->size() > 9 || p->find_first_not_of("0123456789") != std::string::npos)
      return done(error_response(req, http::status::bad_request, "page must be a number >= 0"));
    page = std::stoll(*p);
  }
  auto timeout = ctx.actor_cfg->request_timeout;
  auto registry = ctx.registry;
  auto directory = ctx.directory;
  ctx.sys.spawn([=, head = head_of(req), token = bearer_token(req),
                 room = *room](caf::event_based_actor* self) {
    auto failed = [=](const caf::error& err) { done(error_of(head, err)); };
    self->request(registry, timeout, auth_atom::value, token)
      .then(
        [=](const token_grant& grant) {
          self->request(directory, timeout, room_atom::value, room, false, join_options{})
            .then(
              [=](const room_actor& room) {
                self->request(room, timeout, history_atom::value, grant.who.user_id, page)
                  .then(
                    [=](const history_page& hp) {
                      done(json_response(head, http::status::ok, history_json(hp)));
                    },
                    failed);
              },
              failed);
        },
        failed);
  });
}

// 200 while storage answers and its last write went through; 503 while it
// does not, or once the server is shutting down (load balancers stop
// sending then).
void get_healthz(server_context& ctx, const http_request& req, const responder& done) {
  if (ctx.shutting_down)
    return done(
      json_response(req, http::status::service_unavailable, R"({"status":"shutting_down"})"));
  auto storage = ctx.storage;
  ctx.sys.spawn([=, head = head_of(req)](caf::event_based_actor* self) {
    self->request(storage, std::chrono::seconds{2}, health_atom::value)
      .then([=](bool) { done(json_response(head, http::status::ok, R"({"status":"ok"})")); },
            [=](const caf::error& err) {
              done(json_response(
                head, http::status::service_unavailable,
                json{{"status", "storage_unavailable"}, {"error", error_text(err)}}.dump()));
            });
  });
}

void get_metrics(server_context&, const http_request& req, const responder& done) {
  http_response res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(req.keep_alive());
  res.body() = metrics::render([](int code) -> const char* {
    if (code < 1 || code > static_cast<int>(last_chat_errc))
      return nullptr;
    return to_code(static_cast<chat_errc>(code));
  });
  res.prepare_payload();
  done(std::move(res));
}

} // namespace

bool handle_api(server_context& ctx, const http_request& req, const std::string& peer,
                const responder& done) {
  auto path = target_path(req.target());
  auto only = [&](http::verb verb, auto handler) {
    if (req.method() != verb)
      return done(error_response(req, http::status::method_not_allowed, "method not allowed")),
             true;
    handler(ctx, req, done);
    return true;
  };
  auto with_peer = [&peer](auto handler) {
    return [&peer, handler](server_context& c, const http_request& r, const responder& d) {
      handler(c, r, peer, d);
    };
  };
  if (path == "/register")
    return only(http::verb::post, with_peer(post_register));
  if (path == "/login")
    return only(http::verb::post, with_peer(post_login));
  if (path == "/logout")
    return only(http::verb::post, post_logout);
  if (path == "/history")
    return only(http::verb::get, get_history);
  if (path == "/info")
    return only(http::verb::get, get_info);
  if (path == "/me")
    return only(http::verb::get, get_me);
  if (path == "/healthz")
    return only(http::verb::get, get_healthz);
  if (path == "/metrics")
    return only(http::verb::get, get_metrics);
  return false;
}

void authorize_upgrade(server_context& ctx, const http_request& req,
                       const std::function<void(token_grant)>& ok, const responder& refused) {
  auto token = query_param(req.target(), "token").value_or("");
  auto timeout = ctx.actor_cfg->request_timeout;
  auto registry = ctx.registry;
  ctx.sys.spawn([=, head = head_of(req)](caf::event_based_actor* self) {
    self->request(registry, timeout, auth_atom::value, token)
      .then([=](const token_grant& grant) { ok(grant); },
            [=](const caf::error& err) { refused(error_of(head, err)); });
  });
}

} // namespace chat
