// Fuzzes static file path resolution: chat::resolve_static_path
// (transport/static_files.cpp) with arbitrary request targets, against a
// web_root built once in a temp directory: index.html, css/app.css, and a
// symlink "escape" that points outside it.
//
// Asserts, besides no crash, leak or UB: a resolved path is always web_root
// itself ("/." resolves to the root directory, which serve_static then
// answers 404 as it is no regular file) or inside it, never through the
// symlink; a target
// whose decoded path has a ".." segment, a backslash or a NUL is refused; a
// malformed %-escape is refused.
#include "transport/static_files.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/fuzz/fuzz_check.hpp"
#include "transport/http_util.hpp"

namespace {

namespace fs = std::filesystem;

// A temp tree under $TMPDIR (scripts/fuzz points it into build-fuzz/).
const std::string& web_root() {
  static const std::string root = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/chat-fuzz-web-XXXXXX";
    FUZZ_CHECK(mkdtemp(dir.data()) != nullptr, "temp dir");
    fs::path root = fs::path(dir) / "web";
    fs::create_directories(root / "css");
    std::ofstream(root / "index.html") << "<!doctype html>";
    std::ofstream(root / "css" / "app.css") << "body{}";
    std::ofstream(fs::path(dir) / "secret.txt") << "outside";
    fs::create_directory_symlink(fs::path(dir), root / "escape");
    return fs::canonical(root).string(); // absolute, as the server passes it
  }();
  return root;
}

bool has_dotdot_segment(const std::string& path) {
  return path == ".." || path.find("/../") != std::string::npos || path.rfind("../", 0) == 0
         || (path.size() >= 3 && path.compare(path.size() - 3, 3, "/..") == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string target{reinterpret_cast<const char*>(data), size};
  const auto& root = web_root();
  auto file = chat::resolve_static_path(root, target);
  if (file.empty())
    return 0;
  auto decoded = chat::percent_decode(chat::target_path(target));
  FUZZ_CHECK(decoded.has_value(), "a malformed escape is refused");
  FUZZ_CHECK(!has_dotdot_segment(*decoded), ".. segments are refused");
  FUZZ_CHECK(decoded->find('\\') == std::string::npos, "backslashes are refused");
  FUZZ_CHECK(decoded->find('\0') == std::string::npos, "NUL is refused");
  FUZZ_CHECK(file == root || file.rfind(root + "/", 0) == 0, "the file is under web_root");
  FUZZ_CHECK(file.find("/escape") == std::string::npos || !fs::exists(file)
               || fs::canonical(file).string().rfind(root + "/", 0) == 0,
             "no way out through a symlink");
  return 0;
}
