// A request's timeout stays in CAF 0.17's clock until its time is up, even
// when the reply came long before (CAF drops an actor's timeouts only when
// the actor ends): three allocations and a strong reference to the actor.
// The connection and user actors ask ~5 questions at every login and live
// on, so each new connection carried ~0.4 KiB of stale timeouts for
// request_timeout_ms (10 s; bench/profile.md, memory per idle connection).
// The requests on the login path take their reply with these, which drop
// the timeout as the reply (or the error) is handled. (Bridge actors that
// ask once and end need none of this.)
#pragma once

#include <utility>

#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/detail/type_list.hpp>
#include <caf/detail/type_traits.hpp>
#include <caf/local_actor.hpp>
#include <caf/message_id.hpp>

namespace chat {

/// Takes the timeout of `request` (a response_handle's id()) out of CAF's
/// clock; a no-op once it has fired.
inline void drop_timeout(caf::local_actor* self, caf::message_id request) {
  self->home_system().clock().cancel_request_timeout(self, request);
}

namespace detail {

// `f` behind a lambda with f's exact parameter types: CAF matches replies
// by the handler's signature, so the wrapper cannot be a generic lambda.
template <class F, class... Ts>
auto dropping(caf::local_actor* self, caf::message_id request, F f, caf::detail::type_list<Ts...>) {
  return [self, request, f = std::move(f)](Ts... xs) mutable {
    drop_timeout(self, request);
    return f(std::forward<Ts>(xs)...);
  };
}

template <class F>
auto dropping(caf::local_actor* self, caf::message_id request, F f) {
  using args = typename caf::detail::get_callable_trait<F>::arg_types;
  return dropping(self, request, std::move(f), args{});
}

} // namespace detail

/// `asked.then(on_reply, on_error)`, each dropping the timeout first.
template <class Handle, class OnReply, class OnError>
void then_dropping(caf::local_actor* self, Handle asked, OnReply on_reply, OnError on_error) {
  auto id = asked.id();
  asked.then(detail::dropping(self, id, std::move(on_reply)),
             detail::dropping(self, id, std::move(on_error)));
}

/// `asked.await(on_reply, on_error)`, likewise.
template <class Handle, class OnReply, class OnError>
void await_dropping(caf::local_actor* self, Handle asked, OnReply on_reply, OnError on_error) {
  auto id = asked.id();
  asked.await(detail::dropping(self, id, std::move(on_reply)),
              detail::dropping(self, id, std::move(on_error)));
}

} // namespace chat
