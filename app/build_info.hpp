// What `chat-actors --version` prints: the project's version (CMakeLists.txt)
// and the git commit it was built from, written at build time by
// cmake/build_info.cmake.
#pragma once

namespace chat::build_info {

extern const char* const version;
extern const char* const commit; // `git describe --always --dirty`, or "unknown"

} // namespace chat::build_info
