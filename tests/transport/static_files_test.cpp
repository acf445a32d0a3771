// Unit tests of static path resolution (transport/static_files): files
// under web_root resolve, directories to index.html, and no target escapes
// web_root (dot-dot, encoded, backslashes, NUL, symlinks out, bad escapes).
#include "transport/static_files.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace fs = std::filesystem;

namespace {

struct web_root {
  fs::path root = fs::temp_directory_path()
                  / ("chat-web-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
  web_root() {
    fs::create_directories(root / "css");
    std::ofstream{root / "index.html"} << "<p>hi</p>";
    std::ofstream{root / "css" / "app.css"} << "p{}";
    std::ofstream{root.parent_path() / "secret.txt"} << "secret";
    fs::create_symlink(root.parent_path() / "secret.txt", root / "link.txt");
  }
  ~web_root() { fs::remove_all(root); }
  std::string resolve(const std::string& target) {
    return chat::resolve_static_path(root.string(), target);
  }
};

} // namespace

TEST_SUITE("static files") {

TEST_CASE_FIXTURE(web_root, "files under web_root resolve, directories to index.html") {
  CHECK(resolve("/") == (root / "index.html").string());
  CHECK(resolve("/index.html?x=1") == (root / "index.html").string());
  CHECK(resolve("/css/app.css") == (root / "css" / "app.css").string());
  CHECK(resolve("/css/%61pp.css") == (root / "css" / "app.css").string());
}

TEST_CASE_FIXTURE(web_root, "no target escapes web_root") {
  for (const char* target :
       {"/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/css/../../secret.txt",
        "/%2E%2E%2Fsecret.txt", "..", "secret.txt", "/..\\secret.txt", "/index.html%00.css",
        "/link.txt", "/%", "/%zz", "//etc/passwd"}) {
    INFO(target);
    auto resolved = resolve(target);
    CHECK((resolved.empty() || resolved.rfind(fs::weakly_canonical(root).string(), 0) == 0));
    CHECK(resolved.find("secret") == std::string::npos);
  }
}

} // TEST_SUITE("static files")
