// The HTTP API of the real server: /register, /login (with and without a
// server password), /logout, /info, /me, /history with every status it answers, and the
// body limit (413). Every error carries a JSON {"error": "..."} body. Static
// files, path escapes, 404 and 405 are in http_static_test.cpp.
#include <string>

#include <doctest/doctest.h>

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/ws_client.hpp"

using namespace chat::test;
using json = nlohmann::json;

namespace {

std::string creds(const std::string& name, const std::string& password) {
  return json{{"name", name}, {"password", password}}.dump();
}

void check_error(const http_response& res, int status) {
  INFO("body: ", res.body, " ", res.error);
  CHECK(res.status == status);
  auto body = res.json();
  CHECK((body.is_object() && body.contains("error") && body["error"].is_string()));
}

http_response post(std::uint16_t port, const std::string& path, const std::string& body) {
  return request(port, "POST", path, body);
}

http_response get_history(std::uint16_t port, const std::string& query, const std::string& token) {
  return request(port, "GET", "/history" + query, "", bearer(token));
}

} // namespace

TEST_SUITE("http api") {

TEST_CASE("register answers 201 with a 16 character user id") {
  server_process server;
  auto res = post(server.port(), "/register", creds("ann_reg", "password123"));
  REQUIRE(res.status == 201);
  auto body = res.json();
  CHECK(body["name"] == "ann_reg");
  REQUIRE(body["user_id"].is_string());
  CHECK(body["user_id"].get<std::string>().size() == 16);
  auto longest = std::string(32, 'n');
  auto other = post(server.port(), "/register", creds(longest, "8chars!!"));
  CHECK(other.status == 201);
  CHECK(other.json()["user_id"] != body["user_id"]);
  CHECK(post(server.port(), "/register", creds("A.b-c_9", "password123")).status == 201);
}

TEST_CASE("register rejects invalid names, passwords and JSON with 400") {
  server_process server;
  auto port = server.port();
  for (auto name : {std::string(), std::string(33, 'n'), std::string("bad name!"),
                    std::string("\xc3\xbcml"), std::string("a/b"), std::string("@ann")}) {
    INFO("name: ", name);
    check_error(post(port, "/register", creds(name, "password123")), 400);
  }
  check_error(post(port, "/register", creds("ann_short", "1234567")), 400);
  check_error(post(port, "/register", json{{"name", "ann_nopw"}}.dump()), 400);
  check_error(post(port, "/register", json{{"password", "password123"}}.dump()), 400);
  check_error(post(port, "/register", json{{"name", 5}, {"password", "x12345678"}}.dump()), 400);
  for (auto body : {"not json", "[]", "", "{\"name\": \"ann\""}) {
    INFO("body: ", body);
    check_error(post(port, "/register", body), 400);
  }
}

TEST_CASE("register of a taken name answers 409") {
  server_process server;
  CHECK(post(server.port(), "/register", creds("ann_taken", "password123")).status == 201);
  check_error(post(server.port(), "/register", creds("ann_taken", "otherpass1")), 409);
}

TEST_CASE("login answers a token, the user id, the name and expires_in") {
  server_process server{{{"auth.token_ttl_s", "3600"}}};
  auto user_id = register_user(server.port(), "ann_login", "password123");
  auto res = post(server.port(), "/login", creds("ann_login", "password123"));
  REQUIRE(res.status == 200);
  auto body = res.json();
  REQUIRE(body["token"].is_string());
  CHECK(body["token"].get<std::string>().size() >= 22); // >= 128 random bits
  CHECK(body["user_id"] == user_id);
  CHECK(body["name"] == "ann_login");
  CHECK(body["expires_in"] == 3600);
  auto again = post(server.port(), "/login", creds("ann_login", "password123"));
  CHECK(again.json()["token"] != body["token"]);
}

TEST_CASE("login with a wrong password or an unknown name answers 401") {
  server_process server;
  register_user(server.port(), "ann_wrong", "password123");
  check_error(post(server.port(), "/login", creds("ann_wrong", "password124")), 401);
  check_error(post(server.port(), "/login", creds("nobody_here", "password123")), 401);
  check_error(post(server.port(), "/login", "not json"), 400);
}

TEST_CASE("a set server password is required for register and login") {
  server_process server{{{"auth.server_password", "letmein"}}};
  auto port = server.port();
  auto with = [](const json& extra) {
    json body{{"name", "ann_sp"}, {"password", "password123"}};
    body.update(extra);
    return body.dump();
  };
  check_error(post(port, "/register", with(json::object())), 401);
  check_error(post(port, "/register", with({{"server_password", "wrong"}})), 401);
  CHECK(post(port, "/register", with({{"server_password", "letmein"}})).status == 201);
  check_error(post(port, "/login", with(json::object())), 401);
  check_error(post(port, "/login", with({{"server_password", "wrong"}})), 401);
  CHECK(post(port, "/login", with({{"server_password", "letmein"}})).status == 200);
}

TEST_CASE("an empty server password lets register and login go without one") {
  server_process server{{{"auth.server_password", ""}}};
  CHECK(post(server.port(), "/register", creds("ann_nosp", "password123")).status == 201);
  CHECK(post(server.port(), "/login", creds("ann_nosp", "password123")).status == 200);
}

TEST_CASE("logout answers 204 and the token is refused afterwards") {
  server_process server;
  auto port = server.port();
  auto ann = make_account(port, "ann_out");
  auto other = login(port, "ann_out", ann.password);
  check_error(request(port, "POST", "/logout"), 401);
  check_error(request(port, "POST", "/logout", "", bearer("no-such-token")), 401);
  CHECK(get_history(port, "?room=@ann_out&page=0", ann.token).status == 200);
  CHECK(request(port, "POST", "/logout", "", bearer(ann.token)).status == 204);
  check_error(get_history(port, "?room=@ann_out&page=0", ann.token), 401);
  check_error(request(port, "POST", "/logout", "", bearer(ann.token)), 401);
  CHECK(get_history(port, "?room=@ann_out&page=0", other).status == 200);
}

TEST_CASE("GET /info tells a client whether the server password is needed") {
  server_process open_server{{{"auth.server_password", ""}}};
  auto res = request(open_server.port(), "GET", "/info");
  REQUIRE(res.status == 200);
  auto body = res.json();
  CHECK(body["server_password"] == false);
  CHECK(body["max_frame_bytes"].is_number_unsigned());
  CHECK(body["history_page_size"] == 100);
  server_process closed{{{"auth.server_password", "letmein"}}};
  CHECK(request(closed.port(), "GET", "/info").json()["server_password"] == true);
  check_error(request(closed.port(), "POST", "/info"), 405);
}

TEST_CASE("GET /me answers who a token belongs to until it dies") {
  server_process server{{{"auth.token_ttl_s", "3600"}}};
  auto port = server.port();
  auto ann = make_account(port, "ann_me");
  auto res = request(port, "GET", "/me", "", bearer(ann.token));
  REQUIRE(res.status == 200);
  auto body = res.json();
  CHECK(body["name"] == "ann_me");
  CHECK(body["user_id"] == ann.user_id);
  CHECK(body["expires_in"].get<std::int64_t>() > 3500);
  CHECK(body["expires_in"].get<std::int64_t>() <= 3600);
  check_error(request(port, "GET", "/me"), 401);
  check_error(request(port, "GET", "/me", "", bearer("no-such-token")), 401);
  CHECK(request(port, "POST", "/logout", "", bearer(ann.token)).status == 204);
  check_error(request(port, "GET", "/me", "", bearer(ann.token)), 401);
}

TEST_CASE("history needs a valid bearer token") {
  server_process server;
  auto port = server.port();
  auto ann = make_account(port, "ann_bearer");
  check_error(request(port, "GET", "/history?room=@ann_bearer&page=0"), 401);
  check_error(get_history(port, "?room=@ann_bearer&page=0", "nope"), 401);
  check_error(request(port, "GET", "/history?room=@ann_bearer&page=0", "",
                      {{"Authorization", "Basic " + ann.token}}),
              401);
}

TEST_CASE("history answers 400 for bad parameters and 404 for an unknown room") {
  server_process server;
  auto port = server.port();
  auto ann = make_account(port, "ann_params");
  check_error(get_history(port, "", ann.token), 400);
  check_error(get_history(port, "?page=0", ann.token), 400);
  check_error(get_history(port, "?room=@ann_params&page=-1", ann.token), 400);
  check_error(get_history(port, "?room=@ann_params&page=abc", ann.token), 400);
  check_error(get_history(port, "?room=never_made&page=0", ann.token), 404);
}

TEST_CASE("GET /history pages the newest 100 messages oldest first") {
  server_process server{{{"limits.messages_per_second", "100000"}, {"limits.burst", "100000"}}};
  auto port = server.port();
  auto ann = make_account(port, "ann_pages");
  auto ws = open_session(port, ann.token);
  REQUIRE(ws.call(make_frame("join", "pages")));
  for (int n = 1; n <= 150; ++n)
    REQUIRE(ws.send(make_frame("send", "pages", {{"n", n}})));
  for (int n = 1; n <= 150; ++n)
    REQUIRE_MESSAGE(ws.read_type("sent"), "sent #", n);
  auto page0 = get_history(port, "?room=pages&page=0", ann.token);
  REQUIRE(page0.status == 200);
  auto body = page0.json();
  CHECK(body["room"] == "pages");
  CHECK(body["page"] == 0);
  CHECK(body["has_more"] == true);
  REQUIRE(body["messages"].size() == 100);
  for (int k = 0; k < 100; ++k) {
    auto& msg = body["messages"][k];
    CHECK(msg["body"]["n"] == 51 + k);
    if (k > 0)
      CHECK(msg["seq"].get<std::int64_t>()
            == body["messages"][k - 1]["seq"].get<std::int64_t>() + 1);
  }
  auto& first = body["messages"][0];
  CHECK(first["id"].is_string());
  CHECK(first["room"] == "pages");
  CHECK(first["from"]["user_id"] == ann.user_id);
  CHECK(first["from"]["name"] == "ann_pages");
  CHECK(first["ts"].is_number_integer());
  auto page1 = get_history(port, "?room=pages&page=1", ann.token).json();
  CHECK(page1["has_more"] == false);
  REQUIRE(page1["messages"].size() == 50);
  CHECK(page1["messages"][0]["body"]["n"] == 1);
  CHECK(page1["messages"][49]["body"]["n"] == 50);
  auto page2 = get_history(port, "?room=pages&page=2", ann.token).json();
  CHECK(page2["messages"].size() == 0);
  CHECK(page2["has_more"] == false);
}

TEST_CASE("history of a private room answers 403 to non-members") {
  server_process server;
  auto port = server.port();
  auto ann = make_account(port, "ann_den"), ben = make_account(port, "ben_den");
  auto ws = open_session(port, ann.token);
  REQUIRE(ws.call(make_frame("join", "den", {{"private", true}})));
  check_error(get_history(port, "?room=den&page=0", ben.token), 403);
  CHECK(get_history(port, "?room=den&page=0", ann.token).status == 200);
}

TEST_CASE("a body larger than max_body_bytes answers 413") {
  server_process server{{{"limits.max_body_bytes", "1024"}}};
  json big{{"name", "ann_big"}, {"password", "password123"}, {"pad", std::string(4000, 'p')}};
  check_error(post(server.port(), "/register", big.dump()), 413);
  json fits{{"name", "ann_big"}, {"password", "password123"}, {"pad", std::string(800, 'p')}};
  CHECK(post(server.port(), "/register", fits.dump()).status == 201);
}

} // TEST_SUITE("http api")
