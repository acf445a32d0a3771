// The body of a program's main(): an exception escaping it is a bug or a
// resource failure (bad_alloc), reported as one line and exit status 1
// instead of an abort in std::terminate.
#pragma once

#include <cstdio>
#include <exception>

namespace chat {

/// Runs `body` (returning the exit status); `program` prefixes the message.
/// fprintf, not iostreams, so that reporting cannot throw again.
template <class Body>
int run_guarded(const char* program, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: fatal: %s\n", program, e.what());
  } catch (...) {
    std::fprintf(stderr, "%s: fatal: unknown exception\n", program);
  }
  return 1;
}

} // namespace chat
