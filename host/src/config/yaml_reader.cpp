#include "config/yaml_reader.hpp"

#include "config/suggest.hpp"
#include "load/encoding.hpp"
#include "load/file.hpp"

#include <billcheck/options.hpp>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

namespace billcheck::detail {
namespace fs = std::filesystem;
namespace {

// No config or pack comes near these; a file past them is refused before
// anything walks it (aliases can multiply a small file: "billion laughs").
constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxValues = 200000;
constexpr std::uintmax_t kMaxBytes = std::uintmax_t{64} << 20;

// yaml-cpp's messages name the parser's state; these say what the writer did.
std::string syntax_error(const std::string& msg) {
  std::string what;
  if (msg == "end of map not found" || msg == "end of sequence not found")
    what = "bad indentation: this line lines up with none of the keys or list items above it";
  else if (msg == "illegal map value")
    what = "bad indentation, or a ':' inside a value that needs quotes: this 'key: value' does not line up "
           "with the keys above it";
  else if (msg == "illegal tab when looking for indentation")
    what = "a tab in the indentation: indent with spaces";
  else if (msg == "end of sequence flow not found")
    what = "unclosed '[': a list written [a, b] needs its ']'";
  else if (msg == "end of map flow not found")
    what = "unclosed '{': a mapping written {a: 1} needs its '}'";
  if (what.empty()) return "YAML syntax error: " + msg;
  return "YAML syntax error: " + what + " (" + msg + ")";
}

std::size_t columns(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string utf8(std::uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

// An escape in a quoted scalar's text: the bytes it takes in the file, and
// the bytes of the value it wrote.
struct Escape {
  std::size_t source, value;
};

// The escape at `text[src]` of a scalar quoted with `quote`, when it wrote
// `value` from byte `at` on (yaml-cpp 0.7 writes \N and \_ as one byte, not
// UTF-8: what the value holds decides). Nothing when no escape starts there.
std::optional<Escape> escape_at(std::string_view text, std::size_t src, char quote, std::string_view value,
                                std::size_t at) {
  const auto wrote = [&](std::string_view bytes) { return value.substr(std::min(at, value.size()), bytes.size()) == bytes; };
  if (quote == '\'') {
    if (text.substr(src, 2) == "''" && wrote("'")) return Escape{2, 1};
    return std::nullopt;
  }
  if (quote != '"' || src + 1 >= text.size() || text[src] != '\\') return std::nullopt;
  const char e = text[src + 1];
  if (e == '\n' || e == '\r') {  // an escaped line break: it and the next line's indentation write nothing
    std::size_t end = src + 1 + (text.substr(src + 1, 2) == "\r\n" ? 2 : 1);
    while (end < text.size() && (text[end] == ' ' || text[end] == '\t')) ++end;
    return Escape{end - src, 0};
  }
  if (const std::size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0) {
    if (src + 2 + digits > text.size()) return std::nullopt;
    std::uint32_t cp = 0;  // 8 hex digits fit
    for (const char h : text.substr(src + 2, digits)) {
      const int d = h >= '0' && h <= '9'   ? h - '0'
                    : h >= 'a' && h <= 'f' ? h - 'a' + 10
                    : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                           : -1;
      if (d < 0) return std::nullopt;
      cp = cp * 16 + static_cast<std::uint32_t>(d);
    }
    const std::string bytes = utf8(cp);
    if (cp > 0x10FFFF || !wrote(bytes)) return std::nullopt;
    return Escape{2 + digits, bytes.size()};
  }
  static const std::map<char, std::vector<std::string_view>> kWrites = {
      {'0', {std::string_view("\0", 1)}}, {'a', {"\a"}}, {'b', {"\b"}}, {'t', {"\t"}}, {'\t', {"\t"}},
      {'n', {"\n"}}, {'v', {"\v"}}, {'f', {"\f"}}, {'r', {"\r"}}, {'e', {"\x1B"}}, {' ', {" "}}, {'"', {"\""}},
      {'\'', {"'"}}, {'\\', {"\\"}}, {'/', {"/"}}, {'N', {"\xC2\x85", "\x85"}}, {'_', {"\xC2\xA0", "\xA0"}},
      {'L', {"\xE2\x80\xA8"}}, {'P', {"\xE2\x80\xA9"}}};
  const auto it = kWrites.find(e);
  if (it == kWrites.end()) return std::nullopt;
  for (std::string_view bytes : it->second)
    if (wrote(bytes)) return Escape{2, bytes.size()};
  return std::nullopt;
}

// Where a second YAML document starts in `text`, if one does. The parser's
// events are ignored as they come: no node is built and no alias expanded, so
// the pass takes time and memory in proportion to the text (YAML::LoadAll
// built a tree per document, and took the config fuzzer past 2 GB). A syntax
// error in the first document is thrown, as YAML::Load throws it.
std::optional<YAML::Mark> second_document_at(const std::string& text) {
  class DocumentStarts final : public YAML::EventHandler {
   public:
    int count = 0;
    YAML::Mark second;
    void OnDocumentStart(const YAML::Mark& mark) override {
      if (++count == 2) second = mark;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  };
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  try {
    while (starts.count < 2 && parser.HandleNextDocument(starts)) {
    }
  } catch (const YAML::Exception&) {
    if (starts.count < 2) throw;  // in the first document; an error in the second one changes nothing
  }
  if (starts.count < 2) return std::nullopt;
  return starts.second;
}

}  // namespace

YamlReader::YamlReader(fs::path file, std::string text) : file_(std::move(file)), text_(std::move(text)) {
  // Text that is not UTF-8 would reach a report's JSON, which cannot hold it.
  if (const std::size_t bad = encoding::invalid_utf8_at(text_); bad != std::string::npos) {
    const std::string_view before = std::string_view(text_).substr(0, bad);
    const std::size_t line_start = before.rfind('\n');
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text_[bad]));
    errors_.push_back(file_.string() + ":" + std::to_string(std::count(before.begin(), before.end(), '\n') + 1) + ":" +
                      std::to_string(bad - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1) +
                      ": byte " + byte + " is not UTF-8; save the file as UTF-8");
    usable_ = false;
    return;
  }
  try {
    // One document a file: a second one (after `---`) would be ignored without a word.
    if (const auto second = second_document_at(text_)) {
      errors_.push_back(file_.string() + ":" + std::to_string(second->line + 1) + ":" +
                        std::to_string(second->column + 1) + ": a second YAML document starts here; " +
                        file_.filename().string() + " is one document, so merge the two (a '---' line starts a new one)");
      return;
    }
    root_ = YAML::Load(text_);
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own limit, far past ours
    errors_.push_back(file_.string() + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                      ": " + file_.filename().string() + " nests deeper than " + std::to_string(kMaxDepth) + " levels");
    root_ = YAML::Node();
    return;
  } catch (const YAML::Exception& e) {
    std::string at = e.mark.is_null() ? ""
                                      : ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    errors_.push_back(file_.string() + at + ": " + syntax_error(e.msg));
    root_ = YAML::Node();
    return;
  }
  std::size_t seen = 0;
  check_shape(root_, 0, seen);
  usable_ = seen <= kMaxValues;
  if (!usable_) root_ = YAML::Node();
}

YamlReader YamlReader::from_file(const fs::path& file, std::string_view hint) {
  const auto refused = [&](const std::string& why) {
    YamlReader r(file, "");
    r.errors_.push_back(file.string() + ": " + why);
    r.usable_ = false;
    r.root_ = YAML::Node();
    return r;
  };
  // Checked before a byte is read: a folder reads as nothing, /dev/zero never ends.
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (fs::exists(st)) {
    if (const char* kind = special_file_kind(st)) return refused(std::string("is ") + kind + ", not a YAML file; give the file itself");
    if (const std::uintmax_t size = fs::file_size(file, ec); !ec && size > kMaxBytes)
      return refused("is " + std::to_string(size) + " bytes, over the " + std::to_string(kMaxBytes >> 20) +
                     " MiB a YAML file of billcheck's may hold; give the file itself");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return refused("cannot read it (" + std::string(hint) + ")");
  std::ostringstream text;
  text << in.rdbuf();
  return YamlReader(file, text.str());
}

// Refuses a tree deeper or larger than any file of ours, reports every key
// written twice in one mapping and every value that is not UTF-8.
void YamlReader::check_shape(const YAML::Node& n, int depth, std::size_t& seen) {
  if (seen > kMaxValues) return;
  if (++seen > kMaxValues) {
    error(n, file_.filename().string() + " is too large (more than " + std::to_string(kMaxValues) +
                 " values, counting aliases)");
    return;
  }
  if (depth > kMaxDepth) {
    error(n, file_.filename().string() + " nests deeper than " + std::to_string(kMaxDepth) + " levels");
    seen = kMaxValues + 1;  // once is enough
    return;
  }
  if (n.IsScalar()) check_utf8(n);
  if (n.IsMap()) {
    std::map<std::string, int, std::less<>> first_line;
    for (const auto& kv : n) {
      if (kv.first.IsScalar()) {
        auto [it, inserted] = first_line.try_emplace(kv.first.Scalar(), kv.first.Mark().line + 1);
        if (!inserted)
          error(kv.first, "'" + kv.first.Scalar() + "' is written twice in this mapping (first on line " +
                              std::to_string(it->second) + "); only one can count, so merge them");
      }
      check_shape(kv.first, depth + 1, seen);
      check_shape(kv.second, depth + 1, seen);
    }
  } else if (n.IsSequence()) {
    for (const auto& x : n) check_shape(x, depth + 1, seen);
  }
}

// The file is UTF-8 (checked before parsing), but yaml-cpp 0.7 writes the
// escapes "\N" (U+0085, next line) and "\_" (U+00A0, no-break space) of a
// double-quoted value as one byte each, which is not UTF-8: a pack message
// with one would put text no report can hold into every finding.
void YamlReader::check_utf8(const YAML::Node& n) {
  const std::string& value = n.Scalar();
  const std::size_t bad = encoding::invalid_utf8_at(value);
  if (bad == std::string::npos) return;
  const auto byte = static_cast<unsigned char>(value[bad]);
  std::string what;
  if (byte == 0x85)
    what = "the escape \\N gives a byte that is not UTF-8 here; write \\u0085 for U+0085 (next line), or a line break";
  else if (byte == 0xA0)
    what = "the escape \\_ gives a byte that is not UTF-8 here; write \\u00A0 for a no-break space, or the "
           "character itself";
  else
    what = "this value holds bytes that are not UTF-8; write each character itself, or as \\uXXXX";
  error(n, what);  // not error_in: its copy of the value would carry the byte
}

ConfigLocation YamlReader::at(const YAML::Node& n) const {
  const YAML::Mark m = n.Mark();
  if (m.is_null() || m.line < 0) return {file_.string(), 0, 0};
  return {file_.string(), m.line + 1, m.column + 1};
}

std::string YamlReader::where(const YAML::Node& n) const { return at(n).to_string(); }

void YamlReader::error(const YAML::Node& n, const std::string& what) { errors_.push_back(where(n) + ": " + what); }

// Where byte `offset` of `value` (the scalar that starts at `m`) was written:
// the scalar's text is walked alongside the file's, skipping what YAML removed
// (quotes, folded line breaks, indentation) and taking each escape (`\u00e9`,
// `\x41`, `\e`, `''`) as the bytes it wrote, which are seldom as many.
std::pair<int, int> YamlReader::locate(const YAML::Mark& m, std::string_view value, std::size_t offset) const {
  if (m.pos < 0 || static_cast<std::size_t>(m.pos) >= text_.size()) return {m.line + 1, m.column + 1};
  std::size_t src = static_cast<std::size_t>(m.pos);
  const char first = text_[src];
  const char quote = first == '\'' || first == '"' ? first : 0;
  if (quote) {
    ++src;
  } else if (first == '|' || first == '>') {
    while (src < text_.size() && text_[src] != '\n') ++src;
    while (src < text_.size() && (text_[src] == '\n' || text_[src] == ' ')) ++src;
  }
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  offset = std::min(offset, value.size());
  for (std::size_t i = 0; i < offset && src < text_.size();) {
    if (const auto escape = escape_at(text_, src, quote, value, i)) {
      if (i + escape->value > offset) break;  // the offset is inside what one escape wrote: the escape
      src += escape->source;
      i += escape->value;
      continue;
    }
    const char c = value[i++];
    if (is_space(c)) {
      if (src < text_.size() && is_space(text_[src])) {
        if (text_[src] == '\n' || text_[src] == '\r')
          while (src < text_.size() && is_space(text_[src])) ++src;  // a line break and the next line's indentation
        else
          ++src;
      }
      continue;
    }
    while (src < text_.size() && text_[src] != c) ++src;
    ++src;
  }
  if (offset < value.size() && !is_space(value[offset])) {
    // To what wrote value[offset], past what wrote nothing (an escaped line break).
    while (src < text_.size() && text_[src] != value[offset]) {
      const auto escape = escape_at(text_, src, quote, value, offset);
      if (escape && escape->value > 0) break;
      src += escape ? escape->source : 1;
    }
  } else {
    while (src < text_.size() && (text_[src] == '\n' || text_[src] == '\r')) ++src;
  }
  src = std::min(src, text_.size());
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < src; ++i)
    if (text_[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return {line, static_cast<int>(columns(std::string_view(text_).substr(line_start, src - line_start))) + 1};
}

std::string YamlReader::message_in(const YAML::Node& n, std::size_t offset, std::size_t length,
                                   const std::string& what) const {
  const std::string_view value = n.IsScalar() ? std::string_view(n.Scalar()) : std::string_view();
  auto [line, col] = locate(n.Mark(), value, offset);
  std::size_t ls = 0;
  for (std::size_t i = 0; i < offset && i < value.size(); ++i)
    if (value[i] == '\n') ls = i + 1;
  std::size_t le = value.find('\n', ls);
  if (le == std::string_view::npos) le = value.size();
  std::string caret;
  for (std::size_t i = ls; i < offset && i < le; ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if ((c & 0xC0) == 0x80) continue;
    caret += c == '\t' ? '\t' : ' ';
  }
  std::size_t span = offset < le ? std::min(length, le - offset) : 1;
  caret += '^';
  caret.append(span > 1 ? span - 1 : 0, '~');
  return file_.string() + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what + "\n    " +
         std::string(value.substr(ls, le - ls)) + "\n    " + caret;
}

void YamlReader::error_in(const YAML::Node& n, std::size_t offset, std::size_t length, const std::string& what) {
  errors_.push_back(message_in(n, offset, length, what));
}

bool YamlReader::expect_map(const YAML::Node& n, const std::string& what) {
  if (n.IsMap()) return true;
  error(n, what + " must be a mapping (key: value lines)");
  return false;
}

std::string YamlReader::key(const YAML::Node& k) {
  if (k.IsScalar()) return k.Scalar();
  error(k, "a key must be a plain name, not a list or a mapping");
  return {};
}

void YamlReader::only_keys(const YAML::Node& n, const std::string& what,
                           std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : n) {
    if (!kv.first.IsScalar()) {
      error(kv.first, "keys in " + what + " must be plain names");
      continue;
    }
    const std::string& k = kv.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string list;
    for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    std::string hint = closest_name(k, std::vector<std::string_view>(allowed));
    error(kv.first, "unknown key '" + k + "' in " + what +
                        (hint.empty() ? " (allowed: " + list + ")" : " (did you mean '" + hint + "'?)"));
  }
}

std::optional<std::string> YamlReader::scalar(const YAML::Node& n, const std::string& what) {
  if (n.IsScalar()) return n.Scalar();
  if (n.IsNull()) return std::string();
  error(n, what + " must be a single value");
  return std::nullopt;
}

std::optional<std::string> YamlReader::text(const YAML::Node& map, const char* key, bool required) {
  const YAML::Node n = map[key];
  if (!n || n.IsNull()) {
    if (required) error(map, std::string("'") + key + "' is missing");
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    error(n, std::string("'") + key + "' must be a single value");
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<bool> YamlReader::boolean(const YAML::Node& n, const std::string& what) {
  auto v = scalar(n, what);
  if (!v) return std::nullopt;
  std::string why;
  if (auto b = parse_option(OptionType::boolean, *v, why)) return std::get<bool>(*b);
  error(n, what + " must be true or false, not '" + *v + "'" + suggest(*v, {"true", "false"}, ""));
  return std::nullopt;
}

std::optional<Severity> YamlReader::severity(const YAML::Node& n) {
  auto v = scalar(n, "severity");
  if (!v) return std::nullopt;
  if (auto s = parse_severity(*v)) return s;
  error(n, "severity '" + *v + "' is not one of error, warning, info" + suggest(*v, {"error", "warning", "info"}, ""));
  return std::nullopt;
}

std::vector<std::string> YamlReader::scalar_list(const YAML::Node& n, const std::string& what) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (n.IsNull()) return out;
  if (!n.IsSequence()) {
    error(n, what + " must be a list");
    return out;
  }
  for (const auto& item : n)
    if (auto s = scalar(item, "each entry of " + what)) out.push_back(*s);
  return out;
}

std::vector<fs::path> YamlReader::paths(const YAML::Node& n, const std::string& what) {
  std::vector<fs::path> out;
  for (auto& p : located_paths(n, what)) out.push_back(std::move(p.path));
  return out;
}

std::vector<ConfigPath> YamlReader::located_paths(const YAML::Node& n, const std::string& what) {
  std::vector<ConfigPath> out;
  auto add = [&](const std::string& s, const YAML::Node& written) {
    const fs::path p(s);
    out.push_back({p.is_absolute() ? p : (file_.parent_path() / p).lexically_normal(), at(written)});
  };
  if (n.IsScalar()) {
    add(n.Scalar(), n);
  } else if (n.IsSequence()) {
    for (const auto& item : n)
      if (auto s = scalar(item, "each entry of " + what)) add(*s, item);
  } else if (!n.IsNull()) {
    error(n, what + " must be a list");
  }
  return out;
}

ConfigValue YamlReader::value(const YAML::Node& n) {
  ConfigValue v;
  v.where = at(n);
  if (n.IsSequence()) {
    std::vector<std::string> items;
    for (const auto& item : n)
      if (auto s = scalar(item, "each list item")) items.push_back(*s);
    v.value = std::move(items);
  } else if (n.IsMap()) {
    std::map<std::string, std::string> m;
    for (const auto& kv : n) {
      std::string k = key(kv.first);
      if (auto s = scalar(kv.second, "the value of '" + k + "'"); s && !k.empty()) m[k] = *s;
    }
    v.value = std::move(m);
  } else {
    v.value = n.IsNull() ? std::string() : n.Scalar();
  }
  return v;
}

RuleSettings YamlReader::settings(const YAML::Node& n, const std::string& rule) {
  RuleSettings s;
  s.where = at(n);
  if (const YAML::Node en = n["enabled"])
    if (auto b = boolean(en, "enabled")) s.enabled = *b;
  if (const YAML::Node sev = n["severity"]) s.severity = severity(sev);
  if (const YAML::Node opts = n["options"]) {
    if (expect_map(opts, "the options of rule '" + rule + "'"))
      for (const auto& kv : opts)
        if (std::string k = key(kv.first); !k.empty()) s.options[k] = value(kv.second);
  }
  return s;
}

bool YamlReader::quoted(const YAML::Node& n) const {
  auto pos = n.Mark().pos;
  if (pos < 0 || static_cast<std::size_t>(pos) >= text_.size()) return false;
  char c = text_[static_cast<std::size_t>(pos)];
  return c == '\'' || c == '"';
}

}  // namespace billcheck::detail
