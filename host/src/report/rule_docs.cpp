#include <billcheck/report.hpp>

#include <cctype>
#include <sstream>

namespace billcheck {
namespace {

// Wraps `text` at `width` columns, each line starting with `indent`.
std::string wrap(std::string_view text, std::size_t width, std::string_view indent) {
  std::string out, line;
  std::istringstream words{std::string(text)};
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += std::string(indent) + line + '\n';
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += std::string(indent) + line + '\n';
  return out;
}

std::string example_config(const RuleInfo& info) {
  std::string out = "rules:\n  " + info.id + ":\n    severity: " + std::string(to_string(info.severity)) + "\n";
  if (!info.options.empty()) {
    out += "    options:\n";
    for (const auto& o : info.options) out += "      " + o.name + ": " + (o.default_text.empty() ? "\"\"" : o.default_text) + "\n";
  }
  return out;
}

// What the description says beyond the title: a Python rule's description
// defaults to its docstring, whose first line is already the title, and a pack
// rule may have no description at all.
std::string description_beyond_title(const RuleInfo& info) {
  std::string_view d = info.description;
  auto trim = [](std::string_view t) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    return t;
  };
  d = trim(d);
  const std::string_view title = trim(info.title);
  if (!title.empty() && d.substr(0, title.size()) == title &&
      (d.size() == title.size() || std::isspace(static_cast<unsigned char>(d[title.size()]))))
    d = trim(d.substr(title.size()));
  return std::string(d);
}

}  // namespace

std::string explain_rule(const RuleInfo& info) {
  std::string out = info.id + ": " + info.title + "\n";
  out += "  category: " + info.category + "   severity: " + std::string(to_string(info.severity)) +
         "   checks each: " + std::string(to_string(info.scope)) + "   needs: " + std::string(to_string(info.reach)) +
         "   from: " + info.origin + "\n\n";
  if (const std::string description = description_beyond_title(info); !description.empty())
    out += wrap(description, 76, "  ") + "\n";
  if (info.options.empty()) {
    out += "  Options: none.\n";
  } else {
    out += "  Options:\n";
    for (const auto& o : info.options) {
      out += "    " + o.name + " (" + std::string(to_string(o.type)) + ", default " +
             (o.default_text.empty() ? "empty" : o.default_text) + ")\n";
      out += wrap(o.description, 70, "        ");
    }
  }
  out += "\n  In billcheck.yaml (the values shown are the defaults; `" + info.id + ": off` disables it):\n";
  std::istringstream lines(example_config(info));
  for (std::string line; std::getline(lines, line);) out += "    " + line + "\n";
  return out;
}

std::string rule_markdown(const RuleInfo& info) {
  std::string out = "# " + info.id + "\n\n";
  out += "**" + info.title + "**\n\n";
  out += "| category | default severity | checks each | needs ([reach](../distributed.md#reach)) | from |\n"
         "|---|---|---|---|---|\n";
  out += "| " + info.category + " | " + std::string(to_string(info.severity)) + " | " + std::string(to_string(info.scope)) +
         " | " + std::string(to_string(info.reach)) + " | " + info.origin + " |\n\n";
  out += info.description + "\n\n## Options\n\n";
  if (info.options.empty()) {
    out += "None.\n\n";
  } else {
    out += "| option | type | default | description |\n|---|---|---|---|\n";
    for (const auto& o : info.options)
      out += "| `" + o.name + "` | " + std::string(to_string(o.type)) + " | `" + o.default_text + "` | " + o.description + " |\n";
    out += "\n";
  }
  out += "## Configuration\n\n```yaml\n" + example_config(info) + "```\n\n";
  out += "Turn it off with `" + info.id + ": off` under `rules:`, or for one client under `clients: {ID: {rules: ...}}`.\n";
  out += "This page is generated from the rule's own description: `billcheck rules --markdown docs/rules`.\n";
  return out;
}

}  // namespace billcheck
