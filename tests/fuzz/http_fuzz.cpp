// Fuzzes HTTP request handling as http_session does it: bytes into Beast's
// request_parser<string_body> with our limits (max_body_bytes 65536, 16 KiB
// of header), several pipelined requests per input, and every request
// parsed routed like http_session::handle: a WebSocket upgrade (only /ws, its
// token from query_param), else handle_api (transport/http_api.cpp: routing,
// methods, JSON bodies, /history's parameters), else serve_static.
// handle_api's actor round trips go to one stub actor (as registry,
// directory and storage: one dynamically typed actor cast to each typed
// handle) that answers every request with `unauthorized`, so validation,
// routing and the error paths run for real.
//
// Asserts, besides no crash, leak or UB: handle_api calls its responder
// exactly once, within 10 s, for every path it claims; every API answer is
// a known status, and a JSON body is valid JSON.
#include "transport/http_api.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>

#include <nlohmann/json.hpp>

#include "common/log.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "transport/static_files.hpp"

namespace {

using namespace chat;

caf::behavior stub(caf::event_based_actor* self) {
  self->set_default_handler(
    [](caf::scheduled_actor*, caf::message_view&) -> caf::result<caf::message> {
      return make_error(chat_errc::unauthorized, "stub");
    });
  return {[](caf::tick_atom) {}};
}

// Built once, on the first input, and never torn down: CAF's threads must
// not run while exit() destroys statics (that crashes in ~actor_system or in
// a worker), so an atexit handler, registered after CAF's statics exist and
// thus run before their destructors, ends the process with _Exit. libFuzzer
// calls exit() only on success (crashes use _Exit/abort), and its per-input
// leak check is unaffected; only LSan's final check at exit is skipped.
struct harness {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<server_context> ctx;
  caf::actor stub_actor;
  harness() {
    set_log_level(log_level::error); // 429s log a warning each
    cfg.set("scheduler.max-threads", std::size_t{1});
    sys = std::make_unique<caf::actor_system>(cfg);
    stub_actor = sys->spawn(stub);
    transport_settings ts;
    ts.web_root = std::filesystem::absolute(".").string();
    // The stub's default handler answers whatever each interface sends.
    ctx = std::make_unique<server_context>(*sys, caf::actor_cast<registry_actor>(stub_actor),
                                           caf::actor_cast<directory_actor>(stub_actor),
                                           caf::actor_cast<storage_actor>(stub_actor),
                                           std::make_shared<const actor_settings>(), ts);
    std::atexit([] {
      std::fflush(nullptr);
      std::_Exit(0);
    });
  }
};

struct answer {
  std::mutex mx;
  std::condition_variable cv;
  int calls = 0;
  http_response res;
};

void check_response(const http_response& res) {
  auto code = res.result_int();
  FUZZ_CHECK(code == 200 || code == 201 || code == 204 || code == 400 || code == 401 || code == 403
               || code == 404 || code == 405 || code == 409 || code == 413 || code == 429
               || code == 500 || code == 503,
             "a known status");
  if (res[http::field::content_type] == "application/json" && !res.body().empty())
    FUZZ_CHECK(!nlohmann::json::parse(res.body(), nullptr, false).is_discarded(), "JSON body");
}

void route(harness& h, http_request& req) {
  if (websocket::is_upgrade(req)) {
    if (target_path(req.target()) == "/ws")
      (void)query_param(req.target(), "token"); // authorize_upgrade's check
    return;
  }
  auto a = std::make_shared<answer>();
  bool api = handle_api(*h.ctx, req, "198.51.100.7", [a](http_response res) {
    std::lock_guard<std::mutex> guard{a->mx};
    FUZZ_CHECK(++a->calls == 1, "the responder runs once");
    a->res = std::move(res);
    a->cv.notify_all();
  });
  if (!api) {
    (void)serve_static(h.ctx->cfg.web_root, req);
    return;
  }
  std::unique_lock<std::mutex> lock{a->mx};
  FUZZ_CHECK(a->cv.wait_for(lock, std::chrono::seconds{10}, [&] { return a->calls > 0; }),
             "the responder runs");
  check_response(a->res);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static harness* h = new harness;
  net::const_buffer in{data, size};
  for (int n = 0; n < 8 && in.size() > 0; ++n) { // pipelined requests
    http::request_parser<http::string_body> parser;
    parser.body_limit(h->ctx->cfg.max_body_bytes);
    parser.header_limit(16 * 1024);
    parser.eager(true);
    beast::error_code ec;
    while (in.size() > 0 && !parser.is_done()) {
      auto used = parser.put(in, ec);
      in += used;
      if (ec == http::error::need_more) { // http::read would read more: there is none
        ec = {};
        break;
      }
      if (ec || used == 0)
        break;
    }
    if (!ec && !parser.is_done())
      parser.put_eof(ec);
    if (ec || !parser.is_done())
      return 0; // http_session answers 400/413 and closes
    auto req = parser.release();
    route(*h, req);
  }
  return 0;
}
