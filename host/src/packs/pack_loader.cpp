// YAML rule packs: pack.yaml read, checked and compiled into rules the engine
// runs like any other. A pack is data: expressions only, never native code.
#include "packs/pack_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <billcheck/engine.hpp>
#include <billcheck/packs.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <variant>

#include "packs/expr/expr.hpp"

namespace billcheck::detail {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxYamlDepth = 32;
constexpr std::size_t kMaxYamlNodes = 200000;

// ---------------------------------------------------------------------------
// Locations: pack.yaml:line:column, inside multi-line and quoted scalars too.

class Source {
 public:
  Source(fs::path file, std::string text) : file_(std::move(file)), text_(std::move(text)) {}

  const std::string& text() const { return text_; }
  std::string name() const { return file_.string(); }

  std::string where(const YAML::Mark& m) const {
    if (m.line < 0) return name();
    return name() + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  ConfigLocation location(const YAML::Mark& m) const { return {name(), m.line + 1, m.column + 1}; }

  /// Where byte `offset` of `value` (the scalar that starts at `m`) was
  /// written: the scalar's text is walked alongside the file's, skipping what
  /// YAML removed (quotes, escapes, folded line breaks, indentation).
  std::pair<int, int> locate(const YAML::Mark& m, std::string_view value, std::size_t offset) const {
    if (m.pos < 0 || static_cast<std::size_t>(m.pos) >= text_.size()) return {m.line + 1, m.column + 1};
    std::size_t src = static_cast<std::size_t>(m.pos);
    char first = text_[src];
    if (first == '\'' || first == '"') {
      ++src;
    } else if (first == '|' || first == '>') {
      while (src < text_.size() && text_[src] != '\n') ++src;
      while (src < text_.size() && (text_[src] == '\n' || text_[src] == ' ')) ++src;
    }
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    offset = std::min(offset, value.size());
    for (std::size_t i = 0; i < offset && src < text_.size(); ++i) {
      char c = value[i];
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
      while (src < text_.size() && text_[src] != value[offset]) ++src;
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

  /// `FILE:LINE:COL: what`, then the expression's line and a caret under the fault.
  std::string expr_error(const YAML::Node& node, std::string_view value, std::size_t offset, std::size_t length,
                         const std::string& what) const {
    auto [line, col] = locate(node.Mark(), value, offset);
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
    return name() + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what + "\n    " +
           std::string(value.substr(ls, le - ls)) + "\n    " + caret;
  }

 private:
  static std::size_t columns(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }

  fs::path file_;
  std::string text_;
};

// ---------------------------------------------------------------------------
// The compiled rule and the Rule classes that run it.

struct MessagePart {
  std::string text;  // literal text, when expr is empty
  expr::Compiled expr;
};

struct EvidenceItem {
  std::string name;
  std::string literal;  // shown as written, when expr is empty
  expr::Compiled expr;
};

/// One pack rule, compiled once and shared by every instance the engine builds
/// (one per distinct set of options).
struct CompiledRule {
  expr::Program program;
  std::vector<expr::OptionDecl> options;
  expr::Compiled when, at_stake;
  std::vector<MessagePart> message;
  std::vector<EvidenceItem> evidence;

  template <class R>
  void check(const R& record, Context& ctx, const expr::BoundOptions& opts) const {
    expr::Evaluation ev(ctx.book(), expr::root_of(record), opts);
    if (!ev(when).truthy()) return;
    Finding& f = ctx.report(record, std::string());
    std::string text;
    for (const auto& part : message) text += part.expr ? ev.text(part.expr, f.currency) : part.text;
    f.message = std::move(text);
    if (at_stake) {
      expr::Value v = ev(at_stake);
      if (v.present()) f.at_stake(v.dec());
    }
    for (const auto& e : evidence) {
      if (!e.expr) {
        f.evidence_of(e.name, e.literal);
        continue;
      }
      expr::Value v = ev(e.expr);
      if (v.present()) f.evidence_of(e.name, ev.format(v, e.expr.type, f.currency));
    }
  }
};

template <class Base, class R>
class PackRule final : public Base {
 public:
  PackRule(std::shared_ptr<const CompiledRule> rule, const Options& options)
      : rule_(std::move(rule)), options_(rule_->options, options) {}
  void check(const R& record, Context& ctx) const override { rule_->check(record, ctx, options_); }

 private:
  std::shared_ptr<const CompiledRule> rule_;
  expr::BoundOptions options_;
};

RuleFactory factory_for(Scope scope, std::shared_ptr<const CompiledRule> rule) {
  auto make = [rule]<class Base, class R>() -> RuleFactory {
    return [rule](const Options& o) -> std::unique_ptr<Rule> { return std::make_unique<PackRule<Base, R>>(rule, o); };
  };
  switch (scope) {
    case Scope::line: return make.template operator()<LineRule, InvoiceLine>();
    case Scope::invoice: return make.template operator()<InvoiceRule, Invoice>();
    case Scope::client: return make.template operator()<ClientRule, Client>();
    case Scope::payment: return make.template operator()<PaymentRule, Payment>();
    case Scope::credit_note: return make.template operator()<CreditNoteRule, CreditNote>();
    case Scope::book: break;
  }
  return {};
}

// ---------------------------------------------------------------------------
// Reading pack.yaml.

struct LintProblem {
  std::string text;
  bool blocks_load;  // the engine could not run the pack as written
};

struct PackRead {
  PackLoad pack;
  std::vector<std::string> errors;
  std::vector<LintProblem> problems;
};

bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::optional<OptionType> parse_option_type(std::string_view s) {
  if (s == "boolean" || s == "bool") return OptionType::boolean;
  if (s == "integer") return OptionType::integer;
  if (s == "decimal") return OptionType::decimal;
  if (s == "string") return OptionType::string;
  if (s == "string_list" || s == "list") return OptionType::string_list;
  if (s == "decimal_map" || s == "map") return OptionType::decimal_map;
  return std::nullopt;
}

class PackReader {
 public:
  PackReader(const Source& src, PackRead& out) : src_(src), out_(out) {}

  void read(const YAML::Node& root) {
    if (!root.IsMap()) {
      error(root, "pack.yaml must be a mapping with pack, version, description and rules");
      return;
    }
    only_keys(root, "the pack", {"pack", "version", "description", "rules"});
    PackLoad& p = out_.pack;
    if (auto name = text(root, "pack", true)) {
      p.name = *name;
      if (!valid_name(p.name))
        error(root["pack"], "pack name '" + p.name + "' may use only letters, digits, '-' and '_'");
    }
    p.version = text(root, "version", false).value_or("");
    p.description = text(root, "description", false).value_or("");
    const YAML::Node rules = root["rules"];
    if (!rules) {
      error(root, "the pack has no 'rules:' list");
      return;
    }
    if (!rules.IsSequence()) {
      error(rules, "'rules' must be a list, each entry starting with '- id:' or '- use:'");
      return;
    }
    for (const auto& item : rules) {
      if (!item.IsMap()) {
        error(item, "each entry of 'rules' must be a mapping ('- id: ...' or '- use: RULE')");
        continue;
      }
      if (item["use"])
        use(item);
      else
        rule(item);
    }
  }

 private:
  void error(const YAML::Node& n, const std::string& what) {
    out_.errors.push_back(src_.where(n.Mark()) + ": " + what);
  }
  void problem(const YAML::Node& n, const std::string& what, bool blocks) {
    out_.problems.push_back({src_.where(n.Mark()) + ": " + what, blocks});
  }

  void only_keys(const YAML::Node& n, const std::string& what, std::initializer_list<std::string_view> allowed) {
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) {
        error(kv.first, "keys in " + what + " must be plain names");
        continue;
      }
      const std::string& key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      error(kv.first, "unknown key '" + key + "' in " + what + " (allowed: " + list + ")");
    }
  }

  std::optional<std::string> text(const YAML::Node& map, const char* key, bool required) {
    const YAML::Node n = map[key];
    if (!n) {
      if (required) error(map, std::string("'") + key + "' is missing");
      return std::nullopt;
    }
    if (!n.IsScalar()) {
      error(n, std::string("'") + key + "' must be a single value");
      return std::nullopt;
    }
    return n.Scalar();
  }

  static bool quoted(const Source& src, const YAML::Node& n) {
    auto pos = n.Mark().pos;
    if (pos < 0 || static_cast<std::size_t>(pos) >= src.text().size()) return false;
    char c = src.text()[static_cast<std::size_t>(pos)];
    return c == '\'' || c == '"';
  }

  ConfigValue config_value(const YAML::Node& n) {
    ConfigValue v;
    v.where = src_.location(n.Mark());
    if (n.IsSequence()) {
      std::vector<std::string> items;
      for (const auto& x : n) {
        if (x.IsScalar())
          items.push_back(x.Scalar());
        else
          error(x, "each list item must be a single value");
      }
      v.value = std::move(items);
    } else if (n.IsMap()) {
      std::map<std::string, std::string> m;
      for (const auto& kv : n) {
        if (kv.first.IsScalar() && kv.second.IsScalar())
          m[kv.first.Scalar()] = kv.second.Scalar();
        else
          error(kv.first, "each entry must be 'name: value'");
      }
      v.value = std::move(m);
    } else {
      v.value = n.IsNull() ? std::string() : n.Scalar();
    }
    return v;
  }

  void use(const YAML::Node& item) {
    only_keys(item, "a 'use:' entry", {"use", "severity", "options", "enabled"});
    auto id = text(item, "use", true);
    if (!id) return;
    RuleSettings s;
    s.where = src_.location(item["use"].Mark());
    if (auto sev = text(item, "severity", false)) {
      s.severity = parse_severity(*sev);
      if (!s.severity) error(item["severity"], "severity '" + *sev + "' is not one of error, warning, info");
    }
    if (auto en = text(item, "enabled", false)) s.enabled = !(*en == "false" || *en == "off" || *en == "no");
    if (const YAML::Node opts = item["options"]) {
      if (!opts.IsMap()) {
        error(opts, "the options of '" + *id + "' must be a mapping (name: value)");
      } else {
        for (const auto& kv : opts)
          if (kv.first.IsScalar()) s.options[kv.first.Scalar()] = config_value(kv.second);
      }
    }
    if (out_.pack.uses.contains(*id)) {
      error(item["use"], "'" + *id + "' is configured twice in this pack");
      return;
    }
    out_.pack.uses.emplace(*id, std::move(s));
  }

  std::vector<OptionSpec> options(const YAML::Node& n) {
    std::vector<OptionSpec> out;
    if (!n) return out;
    if (!n.IsMap()) {
      error(n, "'options' must map each option's name to its type, default and description");
      return out;
    }
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) continue;
      const std::string name = kv.first.Scalar();
      const YAML::Node d = kv.second;
      if (!valid_name(name)) error(kv.first, "option name '" + name + "' may use only letters, digits, '-' and '_'");
      if (!d.IsMap()) {
        error(d, "option '" + name + "' needs {type: ..., default: ..., description: ...}");
        continue;
      }
      only_keys(d, "option '" + name + "'", {"type", "default", "description"});
      OptionSpec spec;
      spec.name = name;
      spec.description = text(d, "description", false).value_or("");
      auto type = text(d, "type", true);
      if (!type) continue;
      auto t = parse_option_type(*type);
      if (!t) {
        error(d["type"],
              "option type '" + *type + "' is not one of boolean, integer, decimal, string, string_list, decimal_map");
        continue;
      }
      spec.type = *t;
      const YAML::Node def = d["default"];
      if (!def) {
        error(d, "option '" + name + "' needs a default");
        continue;
      }
      spec.default_text = default_text(def);
      std::string why;
      if (!parse_option(spec.type, spec.default_text, why)) {
        error(def, "the default of option '" + name + "' is not a " + std::string(to_string(spec.type)) + ": " + why);
        continue;
      }
      out.push_back(std::move(spec));
    }
    return out;
  }

  static std::string default_text(const YAML::Node& n) {
    if (n.IsSequence()) {
      std::string s = "[";
      for (const auto& x : n) s += (s.size() > 1 ? ", " : "") + (x.IsScalar() ? x.Scalar() : std::string("?"));
      return s + "]";
    }
    if (n.IsMap()) {
      std::string s = "{";
      for (const auto& kv : n)
        s += (s.size() > 1 ? ", " : "") + (kv.first.IsScalar() ? kv.first.Scalar() : "?") + ": " +
             (kv.second.IsScalar() ? kv.second.Scalar() : "?");
      return s + "}";
    }
    return n.IsNull() ? std::string() : n.Scalar();
  }

  // Compiles the scalar `n` as an expression; on error, records it with a caret.
  expr::Compiled compile(const YAML::Node& n, const std::string& what, expr::Program& prog,
                         const expr::Environment& env) {
    if (!n.IsScalar()) {
      error(n, what + " must be an expression written on one value");
      return {};
    }
    const std::string& value = n.Scalar();
    try {
      return prog.compile(value, env);
    } catch (const expr::ExprError& e) {
      out_.errors.push_back(src_.expr_error(n, value, e.offset(), e.length(), e.what()));
    }
    return {};
  }

  bool printable(const expr::Compiled& c, const YAML::Node& n, const std::string& value, std::size_t offset,
                 std::size_t length) {
    using expr::Kind;
    Kind k = c.type.kind == Kind::list ? c.type.elem : c.type.kind;
    if (k != Kind::record && k != Kind::map) return true;
    out_.errors.push_back(
        src_.expr_error(n, value, offset, length,
                        "cannot write " + expr::to_string(c.type) + " as text; use one of its fields (e.g. its id)"));
    return false;
  }

  std::vector<MessagePart> message(const YAML::Node& n, expr::Program& prog, const expr::Environment& env) {
    std::vector<MessagePart> parts;
    if (!n.IsScalar()) {
      error(n, "'message' must be text, with {expression} where a value goes");
      return parts;
    }
    const std::string& s = n.Scalar();
    std::string lit;
    auto fail = [&](std::size_t at, const std::string& what) {
      out_.errors.push_back(src_.expr_error(n, s, at, 1, what));
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == '}') {
        if (i + 1 < s.size() && s[i + 1] == '}') {
          lit += '}';
          ++i;
        } else {
          fail(i, "unmatched '}' in the message (write '}}' for a brace)");
          return {};
        }
        continue;
      }
      if (c != '{') {
        lit += c;
        continue;
      }
      if (i + 1 < s.size() && s[i + 1] == '{') {
        lit += '{';
        ++i;
        continue;
      }
      std::size_t j = i + 1;
      char quote = 0;
      for (; j < s.size(); ++j) {
        if (quote) {
          if (s[j] == '\\')
            ++j;
          else if (s[j] == quote)
            quote = 0;
        } else if (s[j] == '\'' || s[j] == '"') {
          quote = s[j];
        } else if (s[j] == '}') {
          break;
        }
      }
      if (j >= s.size()) {
        fail(i, "unclosed '{' in the message (close it with '}', or write '{{' for a brace)");
        return {};
      }
      std::string inner = s.substr(i + 1, j - i - 1);
      if (inner.find_first_not_of(" \t") == std::string::npos) {
        fail(i, "empty '{}' in the message: put an expression inside, e.g. {line.rate}");
        return {};
      }
      if (!lit.empty()) parts.push_back({std::move(lit), {}});
      lit.clear();
      try {
        expr::Compiled e = prog.compile(inner, env);
        if (!printable(e, n, s, i + 1, inner.size())) return {};
        parts.push_back({{}, e});
      } catch (const expr::ExprError& e) {
        out_.errors.push_back(src_.expr_error(n, s, i + 1 + e.offset(), e.length(), e.what()));
        return {};
      }
      i = j;
    }
    if (!lit.empty()) parts.push_back({std::move(lit), {}});
    return parts;
  }

  void rule(const YAML::Node& item) {
    only_keys(item, "a rule",
              {"id", "title", "category", "severity", "scope", "when", "message", "at_stake", "evidence", "description",
               "options"});
    const std::size_t errors_before = out_.errors.size();
    auto id = text(item, "id", true);
    if (!id) return;
    if (!valid_name(*id)) {
      error(item["id"], "rule id '" + *id + "' may use only letters, digits, '-' and '_'");
      return;
    }
    RuleInfo info;
    info.id = out_.pack.name + "." + *id;
    if (!seen_ids_.insert(*id).second)
      problem(item["id"], "duplicate rule id '" + *id + "': each rule of a pack needs its own id", true);
    info.title = text(item, "title", true).value_or("");
    info.description = text(item, "description", false).value_or("");
    if (auto cat = text(item, "category", true)) {
      info.category = *cat;
      if (!is_category(*cat)) {
        std::string list;
        for (auto c : categories())
          if (c != "internal") list += (list.empty() ? "" : ", ") + std::string(c);
        problem(item["category"], "unknown category '" + *cat + "' (use one of " + list + ")", true);
      }
    }
    if (auto sev = text(item, "severity", false)) {
      auto s = parse_severity(*sev);
      if (s)
        info.severity = *s;
      else
        error(item["severity"], "severity '" + *sev + "' is not one of error, warning, info");
    }
    info.scope = Scope::line;
    if (auto sc = text(item, "scope", true)) {
      auto s = parse_scope(*sc);
      if (!s || *s == Scope::book) {
        error(item["scope"], "scope '" + *sc + "' is not one of line, invoice, client, payment, credit_note");
        return;
      }
      info.scope = *s;
    } else {
      return;
    }
    info.options = options(item["options"]);

    auto rule = std::make_shared<CompiledRule>();
    expr::Environment env;
    env.scope = info.scope;
    for (const auto& o : info.options) env.options.push_back({o.name, o.type});
    rule->options = env.options;

    if (const YAML::Node when = item["when"]) {
      rule->when = compile(when, "'when'", rule->program, env);
      if (rule->when && rule->when.type.kind != expr::Kind::boolean)
        out_.errors.push_back(src_.expr_error(
            when, when.Scalar(), 0, when.Scalar().size(),
            "'when' must be true or false, but this is " + expr::to_string(rule->when.type) + " (write a comparison)"));
    } else {
      error(item, "rule '" + *id + "' has no 'when:' condition");
    }
    if (const YAML::Node msg = item["message"]) {
      rule->message = message(msg, rule->program, env);
    } else {
      problem(item["id"], "rule '" + *id + "' has no message: its findings will read only its title", false);
      rule->message.push_back({info.title, {}});
    }
    if (const YAML::Node stake = item["at_stake"]) {
      rule->at_stake = compile(stake, "'at_stake'", rule->program, env);
      if (rule->at_stake && rule->at_stake.type.kind != expr::Kind::decimal)
        out_.errors.push_back(src_.expr_error(
            stake, stake.Scalar(), 0, stake.Scalar().size(),
            "'at_stake' must be a decimal amount, but this is " + expr::to_string(rule->at_stake.type)));
    }
    if (const YAML::Node ev = item["evidence"]) {
      if (!ev.IsMap()) {
        error(ev, "'evidence' must map names to expressions (or quoted text)");
      } else {
        for (const auto& kv : ev) {
          if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
            error(kv.first, "each evidence entry must be 'name: expression'");
            continue;
          }
          EvidenceItem e;
          e.name = kv.first.Scalar();
          if (quoted(src_, kv.second)) {
            e.literal = kv.second.Scalar();
          } else {
            e.expr = compile(kv.second, "evidence '" + e.name + "'", rule->program, env);
            if (e.expr && !printable(e.expr, kv.second, kv.second.Scalar(), 0, kv.second.Scalar().size())) continue;
            if (!e.expr) continue;
          }
          rule->evidence.push_back(std::move(e));
        }
      }
    }
    for (const auto& o : info.options) {
      if (rule->program.uses_option(o.name)) continue;
      YAML::Node at = item;
      for (const auto& kv : item["options"])
        if (kv.first.IsScalar() && kv.first.Scalar() == o.name) at = kv.first;
      problem(at,
              "option '" + o.name + "' of rule '" + *id + "' is declared but no expression uses it (options." + o.name +
                  ")",
              false);
    }
    if (out_.errors.size() != errors_before) return;
    Scope scope = info.scope;
    out_.pack.rules.push_back({std::move(info), factory_for(scope, std::move(rule))});
  }

  std::set<std::string> seen_ids_;
  const Source& src_;
  PackRead& out_;
};

// Refuses YAML nested deeper than a pack needs, or with more nodes than any
// pack has (aliases can multiply a small file), before anything walks it.
void check_shape(const YAML::Node& n, int depth, std::size_t& seen, const Source& src,
                 std::vector<std::string>& errors) {
  if (!errors.empty()) return;
  if (++seen > kMaxYamlNodes) {
    errors.push_back(src.where(n.Mark()) + ": pack.yaml is too large (more than " + std::to_string(kMaxYamlNodes) +
                     " values, counting aliases)");
    return;
  }
  if (depth > kMaxYamlDepth) {
    errors.push_back(src.where(n.Mark()) + ": pack.yaml nests deeper than " + std::to_string(kMaxYamlDepth) +
                     " levels");
    return;
  }
  if (n.IsMap()) {
    for (const auto& kv : n) {
      check_shape(kv.first, depth + 1, seen, src, errors);
      check_shape(kv.second, depth + 1, seen, src, errors);
    }
  } else if (n.IsSequence()) {
    for (const auto& x : n) check_shape(x, depth + 1, seen, src, errors);
  }
}

PackRead read_pack(const fs::path& dir) {
  PackRead out;
  out.pack.dir = dir;
  const fs::path file = dir / "pack.yaml";
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    out.errors.push_back(file.string() + ": cannot read it (a pack is a folder holding pack.yaml)");
    return out;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  Source src(file, ss.str());
  YAML::Node root;
  try {
    root = YAML::Load(src.text());
  } catch (const YAML::Exception& e) {
    out.errors.push_back(src.where(e.mark) + ": YAML syntax error: " + e.msg);
    return out;
  }
  std::size_t seen = 0;
  check_shape(root, 0, seen, src, out.errors);
  if (!out.errors.empty()) return out;
  try {
    PackReader(src, out).read(root);
  } catch (const YAML::Exception& e) {
    out.errors.push_back(src.where(e.mark) + ": " + e.msg);
  }
  return out;
}

}  // namespace

fs::path bundled_pack_dir() {
  // Canonical, so that a pack the config (or `billcheck test`) names by its
  // full path is recognised as the bundled one rather than loaded twice.
  fs::path dir = bundled_plugin_dir().parent_path().parent_path().parent_path() / "share" / "billcheck" / "rules";
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(dir, ec);
  return ec ? dir.lexically_normal() : canonical;
}

PackLoad load_pack(const fs::path& dir) {
  PackRead r = read_pack(dir);
  std::vector<std::string> errors = std::move(r.errors);
  for (auto& p : r.problems)
    if (p.blocks_load) errors.push_back(std::move(p.text));
  if (!errors.empty()) throw ConfigError(std::move(errors));
  return std::move(r.pack);
}

}  // namespace billcheck::detail

namespace billcheck {

PackLint lint_pack(const std::filesystem::path& dir) {
  detail::PackRead r = detail::read_pack(dir);
  PackLint out;
  out.file = dir / "pack.yaml";
  out.errors = std::move(r.errors);
  for (auto& p : r.problems) out.problems.push_back(std::move(p.text));
  return out;
}

std::vector<std::filesystem::path> find_packs(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> out;
  if (fs::exists(dir / "pack.yaml")) return {dir};
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().filename() == "pack.yaml") out.push_back(it->path().parent_path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace billcheck
