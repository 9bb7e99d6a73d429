// YAML rule packs: pack.yaml read, checked and compiled into rules the engine
// runs like any other. A pack is data: expressions only, never native code.
#include "packs/pack_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <billcheck/engine.hpp>
#include <billcheck/packs.hpp>
#include <set>
#include <variant>

#include "config/yaml_reader.hpp"
#include "engine/active_rule.hpp"
#include "engine/registry.hpp"
#include "packs/expr/expr.hpp"

namespace billcheck::detail {
namespace fs = std::filesystem;
namespace {

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

// An option's default as one line of text, the form parse_option reads.
std::string default_text(const YAML::Node& n) {
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

/// pack.yaml's keys, read with the shared YamlReader (which records every
/// error); lint problems, some of which stop the pack loading, are kept apart.
class PackReader {
 public:
  PackReader(YamlReader& yaml, PackRead& out) : yaml_(yaml), out_(out) {}

  void read(const YAML::Node& root) {
    if (!root.IsMap()) {
      yaml_.error(root, "pack.yaml must be a mapping with pack, version, description and rules");
      return;
    }
    yaml_.only_keys(root, "the pack", {"pack", "version", "description", "enabled", "rules"});
    PackLoad& p = out_.pack;
    if (auto name = yaml_.text(root, "pack", true)) {
      p.name = *name;
      if (!valid_name(p.name))
        yaml_.error(root["pack"], "pack name '" + p.name + "' may use only letters, digits, '-' and '_'");
    }
    p.version = yaml_.text(root, "version", false).value_or("");
    p.description = yaml_.text(root, "description", false).value_or("");
    if (const YAML::Node en = root["enabled"])
      p.enabled = yaml_.boolean(en, "enabled").value_or(true);
    const YAML::Node rules = root["rules"];
    if (!rules) {
      yaml_.error(root, "the pack has no 'rules:' list");
      return;
    }
    if (!rules.IsSequence()) {
      yaml_.error(rules, "'rules' must be a list, each entry starting with '- id:' or '- use:'");
      return;
    }
    for (const auto& item : rules) {
      if (!item.IsMap()) {
        yaml_.error(item, "each entry of 'rules' must be a mapping ('- id: ...' or '- use: RULE')");
        continue;
      }
      if (item["use"])
        use(item);
      else
        rule(item);
    }
  }

 private:
  void problem(const YAML::Node& n, const std::string& what, bool blocks) {
    out_.problems.push_back({yaml_.where(n) + ": " + what, blocks});
  }

  void use(const YAML::Node& item) {
    yaml_.only_keys(item, "a 'use:' entry", {"use", "severity", "options", "enabled"});
    auto id = yaml_.text(item, "use", true);
    if (!id) return;
    RuleSettings s = yaml_.settings(item, *id);
    s.where = yaml_.at(item["use"]);
    if (!out_.pack.uses.try_emplace(*id, std::move(s)).second)
      yaml_.error(item["use"], "'" + *id + "' is configured twice in this pack");
  }

  // ---- a rule: what it is, its options, its expressions, then the lint

  void rule(const YAML::Node& item) {
    yaml_.only_keys(item, "a rule",
                    {"id", "title", "category", "severity", "scope", "reach", "when", "message", "at_stake",
                     "evidence", "description", "options"});
    const std::size_t errors_before = yaml_.errors().size();
    std::optional<RuleInfo> info = rule_info(item);
    if (!info) return;
    info->options = options(item["options"]);

    auto rule = std::make_shared<CompiledRule>();
    expr::Environment env;
    env.scope = info->scope;
    for (const auto& o : info->options) env.options.push_back({o.name, o.type});
    rule->options = env.options;
    const std::string id = info->id.substr(out_.pack.name.size() + 1);
    condition(item, id, *rule, env);
    if (const YAML::Node msg = item["message"]) {
      rule->message = message(msg, rule->program, env);
    } else {
      problem(item["id"], "rule '" + id + "' has no message: its findings will read only its title", false);
      rule->message.push_back({info->title, {}});
    }
    amount(item, *rule, env);
    evidence(item, *rule, env);
    info->reach = reach(item, rule->program);
    unused_options(item, id, *info, rule->program);
    if (yaml_.errors().size() != errors_before) return;
    Scope scope = info->scope;
    out_.pack.rules.push_back({std::move(*info), factory_for(scope, std::move(rule)), false, yaml_.at(item["id"])});
  }

  // The rule's id, title, description, category, severity and scope; nothing
  // when there is no id or scope to compile the rule against.
  std::optional<RuleInfo> rule_info(const YAML::Node& item) {
    auto id = yaml_.text(item, "id", true);
    if (!id) return std::nullopt;
    if (!valid_name(*id)) {
      yaml_.error(item["id"], "rule id '" + *id + "' may use only letters, digits, '-' and '_'");
      return std::nullopt;
    }
    RuleInfo info;
    info.id = out_.pack.name + "." + *id;
    info.origin = "pack " + out_.pack.name;
    if (!seen_ids_.insert(*id).second)
      problem(item["id"], "duplicate rule id '" + *id + "': each rule of a pack needs its own id", true);
    info.title = yaml_.text(item, "title", true).value_or("");
    info.description = yaml_.text(item, "description", false).value_or("");
    if (auto cat = yaml_.text(item, "category", true)) {
      info.category = *cat;
      if (!is_category(*cat)) {
        std::vector<std::string_view> known;
        for (auto c : categories())
          if (c != "internal") known.push_back(c);
        std::string list;
        for (auto c : known) list += (list.empty() ? "" : ", ") + std::string(c);
        problem(item["category"], "unknown category '" + *cat + "' (use one of " + list + ")", true);
      }
    }
    if (const YAML::Node sev = item["severity"])
      if (auto s = yaml_.severity(sev)) info.severity = *s;
    auto sc = yaml_.text(item, "scope", true);
    if (!sc) return std::nullopt;
    auto scope = parse_scope(*sc);
    if (!scope || *scope == Scope::book) {
      yaml_.error(item["scope"], "scope '" + *sc + "' is not one of line, invoice, client, payment, credit_note");
      return std::nullopt;
    }
    info.scope = *scope;
    return info;
  }

  // The part of the book the rule needs: as declared, else `client` when its
  // expressions read nothing that leads to another client's records, else
  // `book` (correct, only slower when the book is checked in parts).
  Reach reach(const YAML::Node& item, const expr::Program& program) {
    const std::string& crossing = program.crosses_clients();
    const YAML::Node n = item["reach"];
    if (!n) return crossing.empty() ? Reach::client : Reach::book;
    auto text = yaml_.text(item, "reach", true);
    if (!text) return Reach::book;
    auto r = parse_reach(*text);
    if (!r) {
      yaml_.error(n, "reach '" + *text + "' is not one of client, timekeeper, firm, book");
      return Reach::book;
    }
    if (*r == Reach::client && !crossing.empty())
      yaml_.error(n, "reach 'client', but the rule reads " + crossing +
                         ", which can be another client's records; declare reach: firm (no lines needed) or book");
    if (*r == Reach::timekeeper && scope_of(item) != "line")
      yaml_.error(n, "reach 'timekeeper' needs scope: line (one timekeeper's lines)");
    return *r;
  }

  std::string scope_of(const YAML::Node& item) {
    const YAML::Node s = item["scope"];
    return s && s.IsScalar() ? s.Scalar() : std::string();
  }

  // Every declared option whose type is known, even one with a bad default
  // (that is its one error): the expressions that read it still compile.
  std::vector<OptionSpec> options(const YAML::Node& n) {
    std::vector<OptionSpec> out;
    if (!n) return out;
    if (!n.IsMap()) {
      yaml_.error(n, "'options' must map each option's name to its type, default and description");
      return out;
    }
    for (const auto& kv : n) {
      const std::string name = yaml_.key(kv.first);
      if (name.empty()) continue;
      const YAML::Node d = kv.second;
      if (!valid_name(name))
        yaml_.error(kv.first, "option name '" + name + "' may use only letters, digits, '-' and '_'");
      if (!d.IsMap()) {
        yaml_.error(d, "option '" + name + "' needs {type: ..., default: ..., description: ...}");
        continue;
      }
      yaml_.only_keys(d, "option '" + name + "'", {"type", "default", "description"});
      OptionSpec spec;
      spec.name = name;
      spec.description = yaml_.text(d, "description", false).value_or("");
      auto type = yaml_.text(d, "type", true);
      if (!type) continue;
      auto t = parse_option_type(*type);
      if (!t) {
        yaml_.error(d["type"], "option type '" + *type +
                                   "' is not one of boolean, integer, decimal, string, string_list, decimal_map");
        continue;
      }
      spec.type = *t;
      if (const YAML::Node def = d["default"]) {
        spec.default_text = default_text(def);
        std::string why;
        if (!parse_option(spec.type, spec.default_text, why))
          yaml_.error(def, "the default of option '" + name + "' is not of type " + std::string(to_string(spec.type)) +
                               ": " + why);
      } else {
        yaml_.error(d, "option '" + name + "' needs a default");
      }
      out.push_back(std::move(spec));
    }
    return out;
  }

  // Compiles the scalar `n` as an expression; on error, records it with a caret.
  expr::Compiled compile(const YAML::Node& n, const std::string& what, expr::Program& prog,
                         const expr::Environment& env) {
    if (!n.IsScalar()) {
      yaml_.error(n, what + " must be an expression written on one value");
      return {};
    }
    try {
      return prog.compile(n.Scalar(), env);
    } catch (const expr::ExprError& e) {
      yaml_.error_in(n, e.offset(), e.length(), e.what());
    }
    return {};
  }

  // Records an error unless `c` (at `offset` of scalar `n`) is something text can show.
  bool printable(const expr::Compiled& c, const YAML::Node& n, std::size_t offset, std::size_t length) {
    using expr::Kind;
    Kind k = c.type.kind == Kind::list ? c.type.elem : c.type.kind;
    if (k != Kind::record && k != Kind::map) return true;
    yaml_.error_in(n, offset, length,
                   "cannot write " + expr::to_string(c.type) + " as text; use one of its fields (e.g. its id)");
    return false;
  }

  void condition(const YAML::Node& item, const std::string& id, CompiledRule& rule, const expr::Environment& env) {
    const YAML::Node when = item["when"];
    if (!when) {
      yaml_.error(item, "rule '" + id + "' has no 'when:' condition");
      return;
    }
    rule.when = compile(when, "'when'", rule.program, env);
    if (rule.when && rule.when.type.kind != expr::Kind::boolean)
      yaml_.error_in(when, 0, when.Scalar().size(),
                     "'when' must be true or false, but this is " + expr::to_string(rule.when.type) +
                         " (write a comparison)");
  }

  void amount(const YAML::Node& item, CompiledRule& rule, const expr::Environment& env) {
    const YAML::Node stake = item["at_stake"];
    if (!stake) return;
    rule.at_stake = compile(stake, "'at_stake'", rule.program, env);
    if (rule.at_stake && rule.at_stake.type.kind != expr::Kind::decimal)
      yaml_.error_in(stake, 0, stake.Scalar().size(),
                     "'at_stake' must be a decimal amount, but this is " + expr::to_string(rule.at_stake.type));
  }

  void evidence(const YAML::Node& item, CompiledRule& rule, const expr::Environment& env) {
    const YAML::Node ev = item["evidence"];
    if (!ev) return;
    if (!ev.IsMap()) {
      yaml_.error(ev, "'evidence' must map names to expressions (or quoted text)");
      return;
    }
    for (const auto& kv : ev) {
      if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
        yaml_.error(kv.first, "each evidence entry must be 'name: expression'");
        continue;
      }
      EvidenceItem e;
      e.name = kv.first.Scalar();
      if (yaml_.quoted(kv.second)) {
        e.literal = kv.second.Scalar();
      } else {
        e.expr = compile(kv.second, "evidence '" + e.name + "'", rule.program, env);
        if (!e.expr || !printable(e.expr, kv.second, 0, kv.second.Scalar().size())) continue;
      }
      rule.evidence.push_back(std::move(e));
    }
  }

  // The text of `message`, with each {expression} compiled.
  std::vector<MessagePart> message(const YAML::Node& n, expr::Program& prog, const expr::Environment& env) {
    std::vector<MessagePart> parts;
    if (!n.IsScalar()) {
      yaml_.error(n, "'message' must be text, with {expression} where a value goes");
      return parts;
    }
    const std::string& s = n.Scalar();
    std::string lit;
    auto fail = [&](std::size_t at, const std::string& what) { yaml_.error_in(n, at, 1, what); };
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
      std::size_t j = closing_brace(s, i + 1);
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
        if (!printable(e, n, i + 1, inner.size())) return {};
        parts.push_back({{}, e});
      } catch (const expr::ExprError& e) {
        yaml_.error_in(n, i + 1 + e.offset(), e.length(), e.what());
        return {};
      }
      i = j;
    }
    if (!lit.empty()) parts.push_back({std::move(lit), {}});
    return parts;
  }

  // The '}' that closes the interpolation starting at `from` (skipping quoted
  // text inside it), or s.size().
  static std::size_t closing_brace(const std::string& s, std::size_t from) {
    char quote = 0;
    for (std::size_t j = from; j < s.size(); ++j) {
      if (quote) {
        if (s[j] == '\\')
          ++j;
        else if (s[j] == quote)
          quote = 0;
      } else if (s[j] == '\'' || s[j] == '"') {
        quote = s[j];
      } else if (s[j] == '}') {
        return j;
      }
    }
    return s.size();
  }

  void unused_options(const YAML::Node& item, const std::string& id, const RuleInfo& info,
                      const expr::Program& program) {
    for (const auto& o : info.options) {
      if (program.uses_option(o.name)) continue;
      // reset(), not =: assigning one yaml-cpp Node to another overwrites the node
      // it refers to, which would turn the rule's own node into the option's name.
      YAML::Node at;
      at.reset(item);
      for (const auto& kv : item["options"])
        if (kv.first.IsScalar() && kv.first.Scalar() == o.name) at.reset(kv.first);
      problem(at,
              "option '" + o.name + "' of rule '" + id + "' is declared but no expression uses it (options." + o.name +
                  ")",
              false);
    }
  }

  std::set<std::string> seen_ids_;
  YamlReader& yaml_;
  PackRead& out_;
};

PackRead read_pack(const fs::path& dir) {
  PackRead out;
  out.pack.dir = dir;
  YamlReader yaml = YamlReader::from_file(dir / "pack.yaml", "a pack is a folder holding pack.yaml");
  if (yaml.usable()) {
    try {
      PackReader(yaml, out).read(yaml.root());
    } catch (const YAML::Exception& e) {  // a shape the reader did not foresee: still an error, not a crash
      yaml.error(YAML::Node(), e.msg);
    }
  }
  out.errors = yaml.take_errors();
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

LintBasis::LintBasis(Config config) : registry_(std::make_unique<detail::RuleRegistry>()) {
  std::vector<std::string> errors;
  registry_->load_plugins(config, errors);
  if (!errors.empty()) throw ConfigError(std::move(errors));
  registry_->load_packs(config, errors);
  registry_->load_python(config, errors);
}

LintBasis::~LintBasis() = default;
LintBasis::LintBasis(LintBasis&&) noexcept = default;
LintBasis& LintBasis::operator=(LintBasis&&) noexcept = default;

const std::vector<PluginRecord>& LintBasis::plugins() const { return registry_->plugins(); }

namespace {

PackLint lint(const std::filesystem::path& dir, const LintBasis* basis) {
  detail::PackRead r = detail::read_pack(dir);
  PackLint out;
  out.file = dir / "pack.yaml";
  out.errors = std::move(r.errors);
  if (basis) {
    // What the engine says when the pack's rules are added after the plugins'.
    for (const auto& rule : r.pack.rules)
      for (const auto& p : basis->plugins()) {
        if (!p.loaded || std::find(p.rules.begin(), p.rules.end(), rule.info.id) == p.rules.end()) continue;
        detail::RegisteredRule plugin_rule;
        plugin_rule.info.id = rule.info.id;
        plugin_rule.info.origin = "plugin " + p.name;
        out.errors.push_back(detail::rule_id_taken(rule, plugin_rule));
      }
  }
  // What the engine says of each `use:` entry once every rule is registered:
  // a rule nobody has, an option its rule does not take, a value of the wrong type.
  for (const auto& [id, settings] : r.pack.uses) {
    const RuleInfo* info = nullptr;
    for (const auto& rule : r.pack.rules)
      if (rule.info.id == id) info = &rule.info;
    if (const detail::RegisteredRule* known = basis && !info ? basis->registry().find(id) : nullptr) info = &known->info;
    if (!info) {
      if (basis) out.errors.push_back(basis->registry().unknown_rule(id, settings.where));
      continue;  // alone, the pack cannot tell another source's rule from a mistake
    }
    detail::options_for(*info, {&settings}, out.errors);
  }
  for (auto& p : r.problems) out.problems.push_back(std::move(p.text));
  return out;
}

}  // namespace

PackLint lint_pack(const std::filesystem::path& dir) { return lint(dir, nullptr); }

PackLint lint_pack(const std::filesystem::path& dir, const LintBasis& basis) { return lint(dir, &basis); }

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
