#include "render/templates.hpp"

#include "report/visible.hpp"

#include "hosting/plugin_loader.hpp"

#include <billcheck/config.hpp>

#include <kainjow/mustache.hpp>

#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

namespace billcheck::detail {
namespace fs = std::filesystem;
namespace {

using Json = nlohmann::ordered_json;
using Data = kainjow::mustache::data;

Data to_data(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: {
      Data d{Data::type::object};
      for (const auto& [k, v] : j.items()) d.set(k, to_data(v));
      return d;
    }
    case Json::value_t::array: {
      Data d{Data::type::list};
      for (const auto& v : j) d.push_back(to_data(v));
      return d;
    }
    case Json::value_t::boolean:
      return j.get<bool>() ? Data{Data::type::bool_true} : Data{Data::type::bool_false};
    case Json::value_t::null:
      return Data{Data::type::bool_false};
    case Json::value_t::string:
      return Data{j.get<std::string>()};
    default:
      return Data{j.dump()};  // integers: counts, line numbers (money is always a string)
  }
}

// Every key that appears anywhere in the model.
void collect_keys(const Json& j, std::set<std::string, std::less<>>& keys) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      keys.insert(k);
      collect_keys(v, keys);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) collect_keys(v, keys);
  }
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

/// A placeholder a template names, split at its dots, and the line it is on.
struct Placeholder {
  std::string tag;
  std::vector<std::string> parts;
  std::size_t line = 0;
};

std::vector<Placeholder> placeholders_of(const std::string& text) {
  std::vector<Placeholder> found;
  std::size_t line = 1, pos = 0;
  for (std::size_t open; (open = text.find("{{", pos)) != std::string::npos;) {
    line += static_cast<std::size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(pos),
                                                text.begin() + static_cast<std::ptrdiff_t>(open), '\n'));
    const bool triple = text.compare(open, 3, "{{{") == 0;
    const std::size_t close = text.find(triple ? "}}}" : "}}", open);
    if (close == std::string::npos) break;  // the parser reports it
    std::string tag = trim(std::string_view(text).substr(open + (triple ? 3 : 2), close - open - (triple ? 3 : 2)));
    pos = close + (triple ? 3 : 2);
    if (tag.empty() || tag[0] == '!' || tag[0] == '=') continue;
    if (std::string_view("#^/&>").find(tag[0]) != std::string_view::npos) tag = trim(tag.substr(1));
    if (tag == ".") continue;
    Placeholder p{tag, {}, line};
    for (std::size_t b = 0; b <= tag.size();) {
      std::size_t e = tag.find('.', b);
      if (e == std::string::npos) e = tag.size();
      p.parts.push_back(tag.substr(b, e - b));
      b = e + 1;
    }
    found.push_back(std::move(p));
  }
  return found;
}

// The placeholders a template names that the model has nowhere: a typo in a
// firm's copy would otherwise print nothing where a figure should be.
std::vector<std::string> unknown_placeholders(const std::vector<Placeholder>& placeholders,
                                              std::span<const std::string_view> vocabulary, const Json& model,
                                              const fs::path& file) {
  std::vector<std::string> problems;
  std::optional<std::set<std::string, std::less<>>> keys;  // the model's, read only when the vocabulary lacks one
  for (const Placeholder& p : placeholders)
    for (const std::string& part : p.parts) {
      if (std::find(vocabulary.begin(), vocabulary.end(), part) != vocabulary.end()) continue;
      if (!keys) collect_keys(model, keys.emplace());
      if (keys->contains(part)) continue;
      problems.push_back(file.string() + ":" + std::to_string(p.line) + ": unknown placeholder '{{" + p.tag +
                         "}}'; the placeholders this template can use are listed in docs/remedies.md");
      break;
    }
  return problems;
}

}  // namespace

std::string_view extension(Markup markup) {
  switch (markup) {
    case Markup::text: return "txt";
    case Markup::markdown: return "md";
    case Markup::html: return "html";
  }
  return "txt";
}

fs::path bundled_template_dir() {
  static const fs::path found = [] {  // found once, as bundled_plugin_dir
    fs::path dir = bundled_plugin_dir().parent_path().parent_path().parent_path() / "share" / "billcheck" / "templates";
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(dir, ec);
    return ec ? dir.lexically_normal() : canonical;
  }();
  return found;
}

std::string read_template_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError({file.string() + ": cannot read the template (is --templates the right folder?)"});
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// kainjow's message ("Unclosed section \"errors\" at 34", a byte offset) as
/// file:line:column and what to do.
std::string template_error(const fs::path& file, std::string_view text, const std::string& message) {
  std::string where = file.string(), what = message;
  if (const std::size_t at = message.rfind(" at "); at != std::string::npos) {
    std::size_t offset = 0;
    const char* digits = message.data() + at + 4;
    const char* end = message.data() + message.size();
    if (auto [p, ec] = std::from_chars(digits, end, offset); ec == std::errc() && p == end && offset <= text.size()) {
      const std::string_view before = text.substr(0, offset);
      const std::size_t line_start = before.rfind('\n');
      where += ":" + std::to_string(std::count(before.begin(), before.end(), '\n') + 1) + ":" +
               std::to_string(offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1);
      what = message.substr(0, at);
    }
  }
  if (what.starts_with("Unclosed section") || what.starts_with("Unopened section"))
    what += " (a section {{#name}} or {{^name}} ends with {{/name}}, the same name)";
  else if (what.starts_with("Unclosed tag"))
    what += " (each {{ needs its }})";
  return where + ": " + what;
}

namespace {

/// A template file read and parsed, with what tells whether the file changed since.
struct LoadedTemplate {
  struct ::stat stamp {};
  std::string text;
  std::vector<Placeholder> placeholders;
  kainjow::mustache::mustache parsed;
};

bool same_file(const struct ::stat& a, const struct ::stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec &&
         a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec;
}

/// The template at `file`, read and parsed once while it is unchanged (one
/// stat a rendering tells): `fix` renders a sentence for each finding, and
/// read and parsed the same few files again for each (10,000 times on a book
/// of 10,000 overcharges). A file that does not parse is not kept (its
/// error is render_template's to give, after the placeholders').
std::shared_ptr<const LoadedTemplate> load_template(const fs::path& file) {
  // Never destroyed: a thread may render while the program exits.
  static auto* mutex = new std::mutex;
  static auto* loaded = new std::map<std::string, std::shared_ptr<const LoadedTemplate>, std::less<>>;
  struct ::stat now {};
  if (::stat(file.c_str(), &now) == 0) {
    std::lock_guard lock(*mutex);
    if (auto it = loaded->find(file.native()); it != loaded->end() && same_file(it->second->stamp, now))
      return it->second;
  }
  std::string text = read_template_file(file);  // throws, located, when it cannot be read
  kainjow::mustache::mustache parsed(text);
  const bool valid = parsed.is_valid();
  auto fresh = std::make_shared<const LoadedTemplate>(
      LoadedTemplate{now, text, placeholders_of(text), std::move(parsed)});
  // A file changed in the last two seconds is read again next time: the
  // clock that stamps a change moves in ticks of milliseconds, so a second
  // write of the same size within one would look unchanged (git's "racily
  // clean" entries). By its ctime, which a copy that keeps the file's old
  // mtime (cp -p, rsync -t, tar) still moves. A firm's edit is seen at its
  // next rendering either way.
  if (valid && now.st_ctim.tv_sec != 0 && now.st_ctim.tv_sec < ::time(nullptr) - 2) {
    std::lock_guard lock(*mutex);
    (*loaded)[file.native()] = fresh;
  }
  return fresh;
}

}  // namespace

std::string render_template(const fs::path& dir, std::string_view name, Markup markup, const Json& model,
                            std::span<const std::string_view> vocabulary, Reader reader) {
  const fs::path file = dir / (std::string(name) + "." + std::string(extension(markup)));
  const std::shared_ptr<const LoadedTemplate> loaded = load_template(file);
  const std::string& text = loaded->text;
  if (auto problems = unknown_placeholders(loaded->placeholders, vocabulary, model, file); !problems.empty())
    throw ConfigError(std::move(problems));
  if (!loaded->parsed.is_valid()) throw ConfigError({template_error(file, text, loaded->parsed.error_message())});

  kainjow::mustache::mustache tmpl = loaded->parsed;  // a copy: rendering changes its state
  // A person reads text and Markdown on a terminal as often as on paper: a
  // value's control characters (ESC, a bare CR) are shown as \x1B, \x0D, not
  // acted on; in HTML too (escaping the markup leaves them in the page).
  if (markup == Markup::html && reader == Reader::person)
    tmpl.set_custom_escape(
        [](const std::string& s) { return kainjow::mustache::html_escape(visible(s, {.line_breaks = true})); });
  else if (markup != Markup::html && reader == Reader::person)
    tmpl.set_custom_escape([](const std::string& s) { return visible(s, {.line_breaks = true}); });
  else if (markup != Markup::html)
    tmpl.set_custom_escape([](const std::string& s) { return s; });
  std::string out = tmpl.render(to_data(model));
  if (!tmpl.is_valid()) throw ConfigError({template_error(file, text, tmpl.error_message())});
  return out;
}

}  // namespace billcheck::detail
