// The documents that state the config's defaults against the code's
// defaults (config_entries(server_config{}), from common/defaults.hpp):
// - config/server.ini: every `key = value` line is a default;
// - README.md: the rows of its configuration table, | `[section] key` |
//   `default` | ... | (a row may name several keys of one section,
//   `[auth] hash_ops`, `hash_mem_kib`, with as many defaults; `empty` for an
//   empty one);
// - docs/operations.md: its table of every key, in the README's format.
// Both tables must list every key the parser knows and no other. In the two
// Markdown files, a key in backquotes followed by a value in parentheses,
// "`[limits] burst` (100)" or "`burst` (100 ...", states a default too and
// is checked as well. Each failure names the document, the line, the key
// and both values.
#include "config/server_config.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

// A key and the value a document gives it; key is "[section] name".
struct listed_value {
  std::string key;
  std::string value;
  int line;
};

// The pieces streamed into one string (a key, a failure message).
template <class... Ts>
std::string cat(const Ts&... pieces) {
  std::ostringstream out;
  (out << ... << pieces);
  return out.str();
}

// The code's defaults: "[section] name" -> value as the file spells it.
using defaults_map = std::map<std::string, std::string>;

defaults_map code_defaults() {
  defaults_map result;
  for (const auto& e : chat::config_entries(chat::server_config{}))
    result[cat("[", e.section, "] ", e.name)] = e.value;
  return result;
}

std::string read_source(const std::string& relative) {
  std::ifstream in{std::string(CHAT_SOURCE_DIR) + "/" + relative};
  REQUIRE_MESSAGE(in.is_open(), "cannot read " << relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  auto first = s.find_first_not_of(ws);
  if (first == std::string::npos)
    return {};
  return s.substr(first, s.find_last_not_of(ws) - first + 1);
}

std::string shown(const std::string& value) {
  return value.empty() ? "empty" : "`" + value + "`";
}

std::string where(const std::string& doc, int line) {
  return cat(doc, " line ", line);
}

// `key = value` lines as inih reads them: an inline comment starts at a `;`
// after whitespace, and the value is trimmed.
std::vector<listed_value> ini_values(const std::string& text) {
  std::vector<listed_value> values;
  std::string section;
  int number = 0;
  for (const auto& raw : lines_of(text)) {
    ++number;
    auto line = trim(raw);
    if (line.empty() || line[0] == ';' || line[0] == '#')
      continue;
    if (line[0] == '[') {
      section = line.substr(1, line.find(']') - 1);
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string::npos)
      continue; // the parser's own tests cover syntax errors
    auto rest = line.substr(eq + 1);
    for (std::size_t i = 1; i < rest.size(); ++i) {
      if (rest[i] == ';' && (rest[i - 1] == ' ' || rest[i - 1] == '\t')) {
        rest.resize(i);
        break;
      }
    }
    values.push_back({cat("[", section, "] ", trim(line.substr(0, eq))), trim(rest), number});
  }
  return values;
}

// The `...` spans of a Markdown table cell.
std::vector<std::string> code_spans(const std::string& cell) {
  std::vector<std::string> spans;
  for (auto open = cell.find('`'); open != std::string::npos;) {
    auto close = cell.find('`', open + 1);
    if (close == std::string::npos)
      break;
    spans.push_back(cell.substr(open + 1, close - open - 1));
    open = cell.find('`', close + 1);
  }
  return spans;
}

// The rows of configuration tables: | `[section] key`[, `key`...] |
// `default`[, `default`...] or empty | ... |. Problems with a row's shape
// go to `problems`.
std::vector<listed_value> table_values(const std::string& doc, const std::string& text,
                                       std::vector<std::string>& problems) {
  static const std::regex section_key{R"(\[([a-z_]+)\] ([a-z_]+))"};
  static const std::regex bare_key{R"([a-z_]+)"};
  std::vector<listed_value> values;
  int number = 0;
  for (const auto& line : lines_of(text)) {
    ++number;
    if (line.rfind("| `[", 0) != 0)
      continue;
    auto second = line.find('|', 1);
    auto third = second == std::string::npos ? second : line.find('|', second + 1);
    if (third == std::string::npos) {
      problems.push_back(cat(where(doc, number), ": a config row without a default column"));
      continue;
    }
    auto keys = code_spans(line.substr(1, second - 1));
    auto cell = trim(line.substr(second + 1, third - second - 1));
    auto defaults = cell == "empty" ? std::vector<std::string>{""} : code_spans(cell);
    if (keys.size() != defaults.size()) {
      problems.push_back(
        cat(where(doc, number), ": ", keys.size(), " key(s) but ", defaults.size(), " default(s)"));
      continue;
    }
    std::string section;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      std::smatch m;
      if (std::regex_match(keys[i], m, section_key)) {
        section = m[1].str();
        values.push_back({cat("[", section, "] ", m[2].str()), defaults[i], number});
      } else if (!section.empty() && std::regex_match(keys[i], bare_key)) {
        values.push_back({cat("[", section, "] ", keys[i]), defaults[i], number});
      } else {
        problems.push_back(
          cat(where(doc, number), ": `", keys[i], "` is not a key (expected `[section] key`)"));
      }
    }
  }
  return values;
}

// Every "`[section] key` (value" and "`key` (value" in the text (`empty`
// for an empty value). A bare name that is no key is some other word in
// backquotes and is skipped.
std::vector<listed_value> mentioned_values(const std::string& doc, const std::string& text,
                                           const defaults_map& defaults,
                                           std::vector<std::string>& problems) {
  static const std::regex mention{R"(`(\[([a-z_]+)\] )?([a-z_]+)` \(`?([^`;,)\s]*))"};
  std::map<std::string, std::vector<std::string>> by_name; // name -> keys
  for (const auto& [key, value] : defaults)
    by_name[key.substr(key.find("] ") + 2)].push_back(key);
  std::vector<listed_value> values;
  int number = 0;
  for (const auto& line : lines_of(text)) {
    ++number;
    for (std::sregex_iterator it{line.begin(), line.end(), mention}, end; it != end; ++it) {
      const auto& m = *it;
      auto name = m[3].str();
      auto value = m[4].str() == "empty" ? std::string{} : m[4].str();
      if (m[1].matched) {
        values.push_back({cat("[", m[2].str(), "] ", name), value, number});
        continue;
      }
      auto found = by_name.find(name);
      if (found == by_name.end())
        continue;
      if (found->second.size() > 1) {
        problems.push_back(cat(where(doc, number), ": `", name,
                               "` is a key of several sections: name it as `[section] ", name,
                               "`"));
        continue;
      }
      values.push_back({found->second.front(), value, number});
    }
  }
  return values;
}

// Each listed value against the code's defaults: unknown keys and wrong
// values; with `complete`, also keys listed twice and keys not listed.
void compare(const std::string& doc, const std::vector<listed_value>& listed,
             const defaults_map& defaults, bool complete, std::vector<std::string>& problems) {
  std::map<std::string, int> first_line;
  for (const auto& v : listed) {
    auto code = defaults.find(v.key);
    if (code == defaults.end()) {
      problems.push_back(cat(where(doc, v.line), ": ", v.key,
                             " is not a key the parser knows (listed with ", shown(v.value), ")"));
      continue;
    }
    if (v.value != code->second)
      problems.push_back(cat(where(doc, v.line), ": ", v.key, " is ", shown(v.value),
                             " there, but the code's default is ", shown(code->second)));
    if (complete && !first_line.emplace(v.key, v.line).second)
      problems.push_back(cat(where(doc, v.line), ": ", v.key, " is listed twice (first on line ",
                             first_line[v.key], ")"));
  }
  if (!complete)
    return;
  for (const auto& [key, value] : defaults)
    if (first_line.count(key) == 0)
      problems.push_back(
        cat(doc, " does not list ", key, " (the code's default: ", shown(value), ")"));
}

std::vector<std::string> check_ini(const std::string& doc, const std::string& text,
                                   const defaults_map& defaults) {
  std::vector<std::string> problems;
  compare(doc, ini_values(text), defaults, true, problems);
  return problems;
}

std::vector<std::string> check_markdown(const std::string& doc, const std::string& text,
                                        const defaults_map& defaults) {
  std::vector<std::string> problems;
  compare(doc, table_values(doc, text, problems), defaults, true, problems);
  compare(doc, mentioned_values(doc, text, defaults, problems), defaults, false, problems);
  return problems;
}

void report(const std::vector<std::string>& problems) {
  for (const auto& p : problems)
    FAIL_CHECK(p);
  CHECK(problems.empty());
}

bool has(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p == text)
      return true;
  return false;
}

} // namespace

TEST_SUITE("config") {

TEST_CASE("config/server.ini spells every default as the code has it") {
  report(check_ini("config/server.ini", read_source("config/server.ini"), code_defaults()));
}

TEST_CASE("the README's configuration table lists every key with the code's default") {
  report(check_markdown("README.md", read_source("README.md"), code_defaults()));
}

TEST_CASE("docs/operations.md lists every key with the code's default") {
  report(check_markdown("docs/operations.md", read_source("docs/operations.md"), code_defaults()));
}

TEST_CASE("a document that disagrees is named with its line, the key and both values") {
  const defaults_map defaults{
    {"[limits] burst", "100"}, {"[auth] server_password", ""}, {"[server] web_root", "../web"}};

  auto ini = check_ini("x.ini",
                       "; a comment = not a key\n"
                       "[limits]\n"
                       "burst = 99 ; comment\n"
                       "colour = red\n"
                       "[auth]\n"
                       "server_password =   ; empty\n",
                       defaults);
  CHECK(has(ini, "x.ini line 3: [limits] burst is `99` there, but the code's default is `100`"));
  CHECK(
    has(ini, "x.ini line 4: [limits] colour is not a key the parser knows (listed with `red`)"));
  CHECK(has(ini, "x.ini does not list [server] web_root (the code's default: `../web`)"));
  CHECK(ini.size() == 3);

  auto md = check_markdown("x.md",
                           "| key | default | meaning |\n"
                           "|---|---|---|\n"
                           "| `[server] web_root` | `web` | static files |\n"
                           "| `[auth] server_password`, `burst` | empty | two keys |\n"
                           "| `[limits] burst` | `100` | frames |\n"
                           "| `[limits] burst` | `100` | again |\n"
                           "Frames: `burst` (50 per connection), `send` (not a key).\n",
                           defaults);
  CHECK(has(md, "x.md line 3: [server] web_root is `web` there, but the code's default is "
                "`../web`"));
  CHECK(has(md, "x.md line 4: 2 key(s) but 1 default(s)"));
  CHECK(has(md, "x.md line 6: [limits] burst is listed twice (first on line 5)"));
  CHECK(has(md, "x.md does not list [auth] server_password (the code's default: empty)"));
  CHECK(has(md, "x.md line 7: [limits] burst is `50` there, but the code's default is `100`"));
  CHECK(md.size() == 5);
}

} // TEST_SUITE("config")
