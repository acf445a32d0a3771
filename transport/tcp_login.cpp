#include "transport/tcp_login.hpp"

#include <tuple>

#include <caf/event_based_actor.hpp>
#include <nlohmann/json.hpp>

#include "protocol/atoms.hpp"

namespace chat {

namespace {
using json = nlohmann::json;

// {"name","password","room"} plus an optional "server_password": line mode.
std::optional<greeting> parse_line_login(const json& doc) {
  greeting g;
  g.login = true;
  g.line_mode = true;
  for (auto [key, out, required] :
       {std::tuple{"name", &g.name, true}, std::tuple{"password", &g.password, true},
        std::tuple{"room", &g.room, true},
        std::tuple{"server_password", &g.server_password, false}}) {
    auto it = doc.find(key);
    if (it == doc.end() && !required)
      continue;
    if (it == doc.end() || !it->is_string())
      return std::nullopt;
    *out = it->get<std::string>();
  }
  return g;
}

} // namespace

const char* const greeting_help
  = R"(the first line must be {"action":"login","body":{"name","password"}})"
    R"( or {"action":"auth","body":{"token"}},)"
    R"( or {"name","password","room"} for line mode)";

std::optional<greeting> parse_greeting(const std::string& line) {
  auto doc = json::parse(line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::nullopt;
  auto action = doc.find("action");
  if (action == doc.end() && doc.contains("room"))
    return parse_line_login(doc);
  auto body = doc.find("body");
  if (action == doc.end() || !action->is_string() || body == doc.end() || !body->is_object())
    return std::nullopt;
  // A missing optional field reads as ""; a present one must be a string.
  auto text = [&](const char* key, bool required) -> std::optional<std::string> {
    auto it = body->find(key);
    if (it == body->end())
      return required ? std::nullopt : std::optional<std::string>{""};
    if (!it->is_string())
      return std::nullopt;
    return it->get<std::string>();
  };
  greeting g;
  if (*action == "login") {
    auto name = text("name", true);
    auto password = text("password", true);
    auto server_password = text("server_password", false);
    if (!name || !password || !server_password)
      return std::nullopt;
    g.login = true;
    g.name = std::move(*name);
    g.password = std::move(*password);
    g.server_password = std::move(*server_password);
    return g;
  }
  if (*action == "auth") {
    auto token = text("token", true);
    if (!token)
      return std::nullopt;
    g.token = std::move(*token);
    return g;
  }
  return std::nullopt;
}

// Checks `g` from a bridge actor: login then auth with the new token, or
// auth alone. Exactly one of `ok` / `refused` runs, on a CAF thread.
void authorize(server_context& ctx, greeting g, std::function<void(token_grant)> ok,
               std::function<void(caf::error)> refused) {
  auto timeout = ctx.actor_cfg->request_timeout;
  auto registry = ctx.registry;
  ctx.sys.spawn([timeout, registry, g = std::move(g), ok = std::move(ok),
                 refused = std::move(refused)](caf::event_based_actor* self) {
    auto check = [=](const std::string& token) {
      self->request(registry, timeout, auth_atom::value, token)
        .then([=](token_grant& grant) { ok(std::move(grant)); },
              [=](caf::error& err) { refused(std::move(err)); });
    };
    if (!g.login)
      return check(g.token);
    self->request(registry, timeout, login_atom::value, g.name, g.password, g.server_password)
      .then([=](login_result& r) { check(r.token); },
            [=](caf::error& err) { refused(std::move(err)); });
  });
}

} // namespace chat
