// Connection lifecycle, dedupe and ack batching; see client.hpp. Single
// threaded: everything runs on the io_context's thread.
#include "cli/client.hpp"

#include <algorithm>
#include <iostream>

#include "cli/format.hpp"
#include "cli/http_login.hpp"

namespace chat::cli {

using json = nlohmann::json;
using error_code = boost::system::error_code;

client::client(boost::asio::io_context& ioc, options opts, handlers h)
  : ioc_(ioc),
    opts_(std::move(opts)),
    handlers_(std::move(h)),
    retry_timer_(ioc),
    ack_timer_(ioc) {
}

void client::start() {
  if (opts_.register_first) {
    auto answer = post_credentials(opts_.http, "/register", opts_.name, opts_.password);
    if (answer.status != 201 && answer.status != 409) {
      std::string why = answer.status == 0
                          ? answer.error
                          : "HTTP " + std::to_string(answer.status) + " " + answer.body;
      return handlers_.on_fatal("register failed: " + why);
    }
  }
  connect();
}

void client::connect() {
  if (stopping_)
    return;
  if (token_.empty()) {
    http_answer answer;
    std::string error;
    token_ = login(opts_.http, opts_.name, opts_.password, answer, error);
    if (token_.empty()) {
      // Bad credentials, or a certificate this client does not trust:
      // trying again will not change either.
      if (answer.status == 401 || answer.status == 400 || answer.untrusted)
        return handlers_.on_fatal("login failed: " + error);
      return retry("login: " + error);
    }
  }
  welcomed_ = false;
  link::handlers h;
  h.on_text = [this](const std::string& text) { on_text(text); };
  h.on_closed = [this](const std::string& why, bool refused) {
    link_.reset();
    flush_ref_.clear(); // that ack is lost; the replay brings its ids back
    if (refused)
      token_.clear(); // expired or logged out: log in again
    retry(why);
  };
  link_ = std::make_shared<link>(ioc_, opts_.tcp.has_value(), std::move(h));
  link_->run(opts_.tcp ? *opts_.tcp : opts_.http, token_);
}

void client::retry(const std::string& why) {
  if (stopping_)
    return;
  int base = std::min(backoff_max_ms, backoff_first_ms << std::min(attempt_, 5));
  ++attempt_;
  std::uniform_int_distribution<int> jitter(-base / 4, base / 4);
  int delay = std::min(backoff_max_ms, base + jitter(rng_));
  std::cerr << "* disconnected (" << why << "), reconnecting in " << delay << " ms" << std::endl;
  retry_timer_.expires_after(std::chrono::milliseconds(delay));
  retry_timer_.async_wait([this](error_code ec) {
    if (!ec)
      connect();
  });
}

void client::on_text(const std::string& text) {
  auto frame = json::parse(text, nullptr, false);
  if (!frame.is_object())
    return;
  auto type = text_of(frame, "type");
  if (!welcomed_) {
    if (type == "error" && text_of(frame, "code") == "unauthorized") {
      // Raw TCP refuses a bad token with an error line, then closes.
      token_.clear();
      return;
    }
    if (type != "welcome")
      return;
    welcomed_ = true;
    attempt_ = 0;
    channel_ = text_of(frame, "channel", "@" + opts_.name);
    if (handlers_.on_welcome)
      handlers_.on_welcome(frame);
    auto waiting = std::move(outbox_);
    outbox_.clear();
    for (auto& f : waiting)
      send(std::move(f));
    if (!pending_acks_.empty())
      send_acks();
    return;
  }
  if (type == "error" && text_of(frame, "code") == "unauthorized")
    token_.clear(); // token expired: the server closes next
  if (type == "message" || type == "direct") {
    auto id = text_of(frame, "id");
    if (!id.empty() && !seen_.insert(id).second) {
      ack(id); // shown before; the server still wants it acked
      return;
    }
  }
  if (type == "acked" && !flush_ref_.empty() && frame.value("ref", json()) == flush_ref_) {
    flush_ref_.clear();
    if (auto done = std::move(flush_done_))
      done();
    return;
  }
  if (handlers_.on_frame)
    handlers_.on_frame(frame);
  if (type == "replayed" && handlers_.on_ready)
    handlers_.on_ready();
}

void client::send(json frame) {
  if (!link_ || !welcomed_) {
    outbox_.push_back(std::move(frame));
    return;
  }
  link_->send(frame.dump());
}

void client::ack(const std::string& id) {
  pending_acks_.push_back(id);
  if (ack_scheduled_)
    return;
  ack_scheduled_ = true;
  ack_timer_.expires_after(std::chrono::milliseconds(ack_delay_ms));
  ack_timer_.async_wait([this](error_code ec) {
    ack_scheduled_ = false;
    if (!ec)
      send_acks();
  });
}

void client::send_acks() {
  if (pending_acks_.empty() || !link_ || !welcomed_)
    return; // kept: sent after the next welcome
  auto ref = "ack" + std::to_string(++next_ref_);
  json frame{{"action", "ack"}, {"body", {{"ids", pending_acks_}}}, {"ref", ref}};
  pending_acks_.clear();
  if (flush_done_ && flush_ref_.empty())
    flush_ref_ = ref;
  link_->send(frame.dump());
}

void client::flush_acks(std::function<void()> done) {
  if (pending_acks_.empty() && flush_ref_.empty())
    return done();
  flush_done_ = std::move(done);
  ack_timer_.cancel();
  send_acks();
}

void client::stop(std::function<void()> done) {
  stopping_ = true;
  retry_timer_.cancel();
  ack_timer_.cancel();
  if (!link_)
    return done();
  auto l = std::move(link_);
  l->close(std::move(done));
}

} // namespace chat::cli
