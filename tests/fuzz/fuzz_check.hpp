// FUZZ_CHECK(cond, what): a property every fuzz target states about our code.
// Unlike assert it stays on in optimized builds; on failure it prints what
// broke and aborts, which libFuzzer records as a crash with its input.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                                     \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s (%s)\n", __FILE__, __LINE__, #cond,     \
                   what);                                                                          \
      std::abort();                                                                                \
    }                                                                                              \
  } while (false)
