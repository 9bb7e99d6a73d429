// The type checker and code generator: one pass over the syntax tree that
// checks every operand's type and builds the node each operation runs.
#include <re2/re2.h>

#include <algorithm>
#include <array>

#include "config/suggest.hpp"
#include "packs/expr/expr.hpp"
#include "packs/expr/bindings.hpp"
#include "packs/expr/runtime.hpp"

namespace billcheck::expr {
namespace {

using detail::suggest;

struct Typed {
  const Node* node;
  Type type;
};

struct Var {
  std::string name;
  std::uint32_t slot;
  Type type;
};

std::string a_type(const Type& t) {
  std::string s = to_string(t);
  bool vowel = !s.empty() && std::string_view("aeiou").find(s[0]) != std::string_view::npos;
  return (vowel ? "an " : "a ") + s;
}

class Compiler;

/// A function's arguments, as written, where it was called.
struct Call {
  const Ast& at;
  std::string_view name;
  const std::vector<std::unique_ptr<Ast>>& args;
};

/// One function of the language: its name, how it is written (for errors),
/// and how a call of it is compiled. `op` and `in`/`out` serve compilers that
/// several functions share (a string test, a one-argument function).
struct Function {
  std::string_view name, usage;
  Typed (Compiler::*compile)(const Call&, const Function&);
  EvalFn op = nullptr;
  Kind in = Kind::absent;
  Type out{};
};

class Compiler {
 public:
  Compiler(Program& p, const Environment& env) : p_(p), env_(env) {}

  Typed compile(const Ast& a) {
    switch (a.k) {
      case Ast::K::number: return number(a);
      case Ast::K::string: return constant(Value::text(p_.keep(a.text)), Type::string());
      case Ast::K::boolean: return constant(Value::boolean(a.text == "true"), Type::boolean());
      case Ast::K::ident: return ident(a);
      case Ast::K::member: return member(a);
      case Ast::K::index: return index(a);
      case Ast::K::call:    // f(x, y)
      case Ast::K::method:  // x.f(y): the receiver is the first argument
        return call(a, a.text, a.kids);
      case Ast::K::unary: return unary(a);
      case Ast::K::binary: return binary(a);
      case Ast::K::ternary: return ternary(a);
      case Ast::K::list: return list(a);
    }
    throw ExprError(a.pos, a.len, "unsupported expression");
  }

 private:
  [[noreturn]] static void fail(const Ast& a, const std::string& what) { throw ExprError(a.pos, a.len, what); }

  // The whole of an operand, for errors about its type: `line.rate` rather than `rate`.
  static std::pair<std::size_t, std::size_t> span(const Ast& a) {
    std::size_t lo = a.pos, hi = a.pos + a.len;
    for (const auto& k : a.kids) {
      auto [l, h] = span(*k);
      lo = std::min(lo, l);
      hi = std::max(hi, h);
    }
    return {lo, hi};
  }
  [[noreturn]] static void fail_operand(const Ast& a, const std::string& what) {
    auto [lo, hi] = span(a);
    throw ExprError(lo, hi - lo, what);
  }

  Node& node(EvalFn fn, const Node* a = nullptr, const Node* b = nullptr, const Node* c = nullptr) {
    Node& n = p_.add_node();
    n.fn = fn;
    n.a = a;
    n.b = b;
    n.c = c;
    return n;
  }

  Typed constant(Value v, Type t) {
    Node& n = node(&op::constant);
    n.k = v;
    return {&n, t};
  }

  static bool is_constant(const Node* n) { return n && n->fn == &op::constant; }

  // Evaluates an operation on constants once, here, when its result is a
  // plain value (not text or a list that would point into scratch space).
  Typed fold(const Ast& at, Typed t) {
    const Node& n = *t.node;
    if (!n.a && n.kids.empty()) return t;
    for (const Node* k : {n.a, n.b, n.c})
      if (k && !is_constant(k)) return t;
    for (const Node* k : n.kids)
      if (!is_constant(k)) return t;
    if (t.type.kind != Kind::boolean && t.type.kind != Kind::decimal && t.type.kind != Kind::date) return t;
    Frame f;
    Value v;
    try {
      v = n.fn(n, f);
    } catch (const std::exception&) {
      fail(at, "this calculation overflows: the result does not fit in a decimal");
    }
    if (f.scratch) {
      f.scratch->values.resize(f.values_mark);
      f.scratch->arena.release(f.block_mark, f.used_mark);
    }
    return constant(v, t.type);
  }

  Typed number(const Ast& a) {
    auto d = Decimal::parse(a.text);
    if (!d) fail(a, "number " + a.text + " is out of range or has more than 6 decimal places");
    return constant(Value::decimal(*d), Type::decimal());
  }

  const Var* find_var(std::string_view name) const {
    for (auto it = vars_.rbegin(); it != vars_.rend(); ++it)
      if (it->name == name) return &*it;
    return nullptr;
  }

  Rec root_rec() const {
    switch (env_.scope) {
      case Scope::line: return Rec::line;
      case Scope::invoice: return Rec::invoice;
      case Scope::client: return Rec::client;
      case Scope::payment: return Rec::payment;
      case Scope::credit_note: return Rec::credit_note;
      case Scope::book: return Rec::none;
    }
    return Rec::none;
  }

  // The names a rule of this scope sees: its record, and the records it
  // belongs to (a line rule's `invoice` is `line.invoice`).
  std::vector<std::string_view> root_names() const {
    switch (env_.scope) {
      case Scope::line: return {"line", "invoice", "client", "options"};
      case Scope::invoice: return {"invoice", "client", "options"};
      case Scope::client: return {"client", "options"};
      case Scope::payment: return {"payment", "client", "invoice", "options"};
      case Scope::credit_note: return {"credit_note", "client", "invoice", "options"};
      case Scope::book: return {"options"};
    }
    return {};
  }

  Typed ident(const Ast& a) {
    if (const Var* v = find_var(a.text)) {
      Node& n = node(&op::var);
      n.slot = v->slot;
      return {&n, v->type};
    }
    const Rec root = root_rec();
    if (a.text == to_string(root)) {
      Node& n = node(&op::var);
      n.slot = 0;
      return {&n, Type::record(root)};
    }
    if (a.text == "options") fail(a, "'options' needs an option name: options.NAME");
    auto names = root_names();
    if (std::find(names.begin(), names.end(), a.text) != names.end()) {
      // invoice or client from the scope's record: the same as root.invoice / root.client.
      Node& r = node(&op::var);
      r.slot = 0;
      return field_of({&r, Type::record(root)}, a, a.text);
    }
    if (a.text == "null") fail(a, "there is no null: test presence with has(x)");
    fail(a,
         "unknown name '" + a.text + "'" + suggest(a.text, names, "a " + std::string(to_string(root)) + " rule sees"));
  }

  Typed field_of(Typed rec, const Ast& at, const std::string& name) {
    if (rec.type.kind == Kind::record && rec.type.rec == Rec::extra) {
      Node& n = node(&op::extra, rec.node);
      n.k = Value::text(p_.keep(name));
      return {&n, Type::string()};
    }
    if (rec.type.kind == Kind::list)
      fail(at, "a list has no field '" + name + "': use .map(x, x." + name + "), .exists(x, ...) or .all(x, ...)");
    if (rec.type.kind != Kind::record) fail(at, a_type(rec.type) + " has no field '" + name + "'");
    const Field* f = find_field(rec.type.rec, name);
    if (!f) {
      std::vector<std::string_view> names;
      for (const auto& x : fields_of(rec.type.rec)) names.push_back(x.name);
      fail(at, "unknown field '" + name + "' on " + std::string(to_string(rec.type.rec)) +
                   suggest(name, names, "its fields"));
    }
    if (crosses_clients(rec.type.rec, name)) p_.note_crossing(std::string(to_string(rec.type.rec)) + "." + name);
    if (rec.node->fn == &op::var) {
      Node& n = node(&op::var_field);
      n.slot = rec.node->slot;
      n.a = rec.node;
      n.field = f->get;
      return {&n, f->type};
    }
    Node& n = node(&op::field, rec.node);
    n.field = f->get;
    return {&n, f->type};
  }

  Typed member(const Ast& a) {
    const Ast& base = *a.kids[0];
    if (base.k == Ast::K::ident && base.text == "options" && !find_var("options")) return option(a);
    return field_of(compile(base), a, a.text);
  }

  Typed option(const Ast& a) {
    for (std::size_t i = 0; i < env_.options.size(); ++i) {
      const OptionDecl& d = env_.options[i];
      if (d.name != a.text) continue;
      p_.note_option_use(d.name);
      Node& n = node(&op::option);
      n.slot = static_cast<std::uint32_t>(i);
      switch (d.type) {
        case OptionType::boolean: return {&n, Type::boolean()};
        case OptionType::integer:
        case OptionType::decimal: return {&n, Type::decimal()};
        case OptionType::string: return {&n, Type::string()};
        case OptionType::string_list: return {&n, Type::list_of(Type::string())};
        case OptionType::decimal_map: return {&n, Type::decimal_map()};
      }
    }
    if (env_.options.empty())
      fail(a, "unknown option '" + a.text + "': this rule declares no options (declare it under options:)");
    std::vector<std::string_view> names;
    for (const auto& d : env_.options) names.push_back(d.name);
    fail(a, "unknown option '" + a.text + "'" + suggest(a.text, names, "declared options"));
  }

  Typed index(const Ast& a) {
    Typed base = compile(*a.kids[0]);
    Typed key = compile(*a.kids[1]);
    bool extra = base.type.kind == Kind::record && base.type.rec == Rec::extra;
    if (!extra && base.type.kind != Kind::map)
      fail(a, "only extra columns (x.extra['name']) and map options can be indexed, not " + a_type(base.type));
    if (key.type.kind != Kind::string) fail_operand(*a.kids[1], "the key must be a string, not " + a_type(key.type));
    if (extra && is_constant(key.node)) {
      Node& n = node(&op::extra, base.node);
      n.k = key.node->k;
      return {&n, Type::string()};
    }
    Node& n = node(extra ? &op::extra_index : &op::map_index, base.node, key.node);
    return {&n, extra ? Type::string() : Type::decimal()};
  }

  Typed unary(const Ast& a) {
    Typed x = compile(*a.kids[0]);
    if (a.text == "!") {
      if (x.type.kind != Kind::boolean) fail_operand(*a.kids[0], "'!' needs a bool, not " + a_type(x.type));
      return fold(a, {&node(&op::not_, x.node), Type::boolean()});
    }
    if (x.type.kind != Kind::decimal) fail_operand(*a.kids[0], "'-' needs a decimal, not " + a_type(x.type));
    return fold(a, {&node(&op::neg, x.node), x.type});
  }

  Typed binary(const Ast& a) {
    const std::string& o = a.text;
    Typed x = compile(*a.kids[0]);
    Typed y = compile(*a.kids[1]);
    if (o == "&&" || o == "||") {
      for (const auto* side : {&x, &y})
        if (side->type.kind != Kind::boolean)
          fail_operand(*a.kids[side == &x ? 0 : 1], "'" + o + "' needs a bool on each side, not " + a_type(side->type) +
                                                        " (write a comparison such as x > 0)");
      return fold(a, {&node(o == "&&" ? &op::and_ : &op::or_, x.node, y.node), Type::boolean()});
    }
    if (o == "in") return in(a, x, y);
    if (o == "==" || o == "!=" || o == "<" || o == "<=" || o == ">" || o == ">=") return compare(a, x, y);
    // Arithmetic.
    if (o == "+" && x.type.kind == Kind::string && y.type.kind == Kind::string)
      return {&node(&op::concat, x.node, y.node), Type::string()};
    if (x.type.kind != Kind::decimal || y.type.kind != Kind::decimal) {
      std::string need = o == "+" ? "two decimals or two strings" : "two decimals";
      fail(a, "'" + o + "' needs " + need + ", not " + a_type(x.type) + " and " + a_type(y.type));
    }
    EvalFn fn = o == "+" ? &op::add : o == "-" ? &op::sub : o == "*" ? &op::mul : o == "/" ? &op::div : &op::mod;
    bool money = o == "/" ? x.type.money && !y.type.money : o == "%" ? x.type.money : x.type.money || y.type.money;
    return fold(a, {&node(fn, x.node, y.node), Type::decimal(money)});
  }

  Typed compare(const Ast& a, Typed x, Typed y) {
    const std::string& o = a.text;
    const Kind k = x.type.kind;
    if (k != y.type.kind || (k == Kind::list || k == Kind::record || k == Kind::map)) {
      if (k == y.type.kind)
        fail(a, "cannot compare " + to_string(x.type) + " with " + to_string(y.type) +
                    (k == Kind::record ? " (compare their ids)" : ""));
      fail(a, "cannot compare " + to_string(x.type) + " with " + to_string(y.type));
    }
    EvalFn fn = nullptr;
    if (k == Kind::boolean) {
      if (o != "==" && o != "!=") fail(a, "'" + o + "' cannot order bools; use == or !=");
      fn = o == "==" ? &op::eq_bool : &op::ne_bool;
    } else if (k == Kind::string) {
      fn = o == "=="   ? &op::eq_str
           : o == "!=" ? &op::ne_str
           : o == "<"  ? &op::lt_str
           : o == "<=" ? &op::le_str
           : o == ">"  ? &op::gt_str
                       : &op::ge_str;
    } else {
      // decimal, date: raw integers; `x.field OP constant` runs as one step.
      if (x.node->fn == &op::var_field && is_constant(y.node) && y.node->k.present() && o != "==" && o != "!=") {
        Node& n = node(o == "<"    ? &op::lt_var_field_const
                       : o == "<=" ? &op::le_var_field_const
                       : o == ">"  ? &op::gt_var_field_const
                                   : &op::ge_var_field_const);
        n.slot = x.node->slot;
        n.field = x.node->field;
        n.a = x.node;  // kept for readers of the tree; the function reads slot/field
        n.k = y.node->k;
        return {&n, Type::boolean()};
      }
      fn = o == "=="   ? &op::eq_int
           : o == "!=" ? &op::ne_int
           : o == "<"  ? &op::lt_int
           : o == "<=" ? &op::le_int
           : o == ">"  ? &op::gt_int
                       : &op::ge_int;
    }
    return fold(a, {&node(fn, x.node, y.node), Type::boolean()});
  }

  Typed in(const Ast& a, Typed x, Typed y) {
    if (y.type.kind == Kind::map) {
      if (x.type.kind != Kind::string) fail(a, "'in' a map needs a string on its left, not " + a_type(x.type));
      return {&node(&op::in_map, x.node, y.node), Type::boolean()};
    }
    if (y.type.kind != Kind::list) fail_operand(*a.kids[1], "'in' needs a list on its right, not " + a_type(y.type));
    if (y.type.elem != Kind::absent && (y.type.elem != x.type.kind || y.type.elem == Kind::record))
      fail(a, "cannot look for " + a_type(x.type) + " in " + a_type(y.type));
    return fold(a, {&node(&op::in_list, x.node, y.node), Type::boolean()});
  }

  Typed ternary(const Ast& a) {
    Typed c = compile(*a.kids[0]);
    if (c.type.kind != Kind::boolean)
      fail_operand(*a.kids[0], "the condition of '? :' must be a bool, not " + a_type(c.type));
    Typed x = compile(*a.kids[1]);
    Typed y = compile(*a.kids[2]);
    if (!x.type.same_kind(y.type))
      fail(a, "both branches of '? :' must have the same type, not " + to_string(x.type) + " and " + to_string(y.type));
    Type t = x.type;
    t.money = x.type.money || y.type.money;
    return fold(a, {&node(&op::cond, c.node, x.node, y.node), t});
  }

  Typed list(const Ast& a) {
    Type elem{Kind::absent};
    std::vector<Typed> items;
    for (const auto& k : a.kids) {
      Typed t = compile(*k);
      if (t.type.kind == Kind::list) fail_operand(*k, "lists of lists are not supported");
      if (elem.kind == Kind::absent) {
        elem = t.type;
      } else if (!elem.same_kind(t.type)) {
        fail_operand(*k, "every item of a list must have the same type: this is " + a_type(t.type) + ", the first is " +
                             a_type(elem));
      }
      elem.money = elem.money || t.type.money;
      items.push_back(t);
    }
    Type type = elem.kind == Kind::absent ? Type{Kind::list} : Type::list_of(elem);
    if (std::all_of(items.begin(), items.end(), [](const Typed& t) { return is_constant(t.node); })) {
      std::vector<Value> values;
      for (const auto& t : items) values.push_back(t.node->k);
      const Value* kept = p_.keep_values(std::move(values));
      return constant(Value::list(ListSrc::values, elem.rec, kept, items.size()), type);
    }
    Node& n = node(&op::list);
    for (const auto& t : items) n.kids.push_back(t.node);
    return {&n, type};
  }

  // ---- functions

  void arity(const Ast& at, std::string_view name, std::size_t got, std::size_t want) {
    if (got != want)
      fail(at, std::string(name) + "() takes " + std::to_string(want) + " argument" + (want == 1 ? "" : "s") + " (" +
                   std::string(usage_of(name)) + "), got " + std::to_string(got));
  }

  Typed arg(const std::vector<std::unique_ptr<Ast>>& args, std::size_t i, std::string_view fn, Kind want,
            std::string_view what) {
    Typed t = compile(*args[i]);
    if (t.type.kind != want)
      fail_operand(*args[i], "argument " + std::to_string(i + 1) + " of " + std::string(fn) + "() must be " +
                                 std::string(what) + ", not " + a_type(t.type));
    return t;
  }

  static const std::array<Function, 23> kFunctions;

  static const Function* function(std::string_view name) {
    for (const auto& f : kFunctions)
      if (f.name == name) return &f;
    return nullptr;
  }
  static std::string_view usage_of(std::string_view name) {
    const Function* f = function(name);
    return f ? f->usage : name;
  }

  Typed call(const Ast& a, const std::string& name, const std::vector<std::unique_ptr<Ast>>& args) {
    if (const Function* f = function(name)) return (this->*f->compile)(Call{a, name, args}, *f);
    std::vector<std::string_view> names;
    for (const auto& f : kFunctions) names.push_back(f.name);
    fail(a, "unknown function '" + name + "'" + suggest(name, names, "functions"));
  }

  // has(x): whether x is present.
  Typed presence(const Call& c, const Function&) {
    arity(c.at, c.name, c.args.size(), 1);
    return {&node(&op::has, compile(*c.args[0]).node), Type::boolean()};
  }

  Typed size(const Call& c, const Function&) {
    arity(c.at, c.name, c.args.size(), 1);
    Typed x = compile(*c.args[0]);
    if (x.type.kind == Kind::string) return {&node(&op::size_str, x.node), Type::decimal()};
    if (x.type.kind == Kind::list) return {&node(&op::size_list, x.node), Type::decimal()};
    fail_operand(*c.args[0], "argument 1 of size() must be a string or a list, not " + a_type(x.type));
  }

  // contains, startsWith, endsWith: a test of two strings.
  Typed string_test(const Call& c, const Function& f) {
    arity(c.at, c.name, c.args.size(), 2);
    Typed x = arg(c.args, 0, c.name, Kind::string, "a string");
    Typed y = arg(c.args, 1, c.name, Kind::string, "a string");
    return {&node(f.op, x.node, y.node), Type::boolean()};
  }

  // lower, upper, abs, weekday, month, year: one argument of kind `in`.
  Typed one_argument(const Call& c, const Function& f) {
    arity(c.at, c.name, c.args.size(), 1);
    Typed x = arg(c.args, 0, c.name, f.in, a_type(Type{f.in}));
    Type out = f.out;
    if (out.kind == Kind::decimal && f.in == Kind::decimal) out.money = x.type.money;
    return fold(c.at, {&node(f.op, x.node), out});
  }

  Typed date(const Call& c, const Function&) {
    arity(c.at, c.name, c.args.size(), 1);
    Typed x = arg(c.args, 0, c.name, Kind::string, "a string (YYYY-MM-DD)");
    if (is_constant(x.node)) {
      auto d = Date::parse_iso(x.node->k.present() ? x.node->k.str() : "");
      if (!d) fail(*c.args[0], "'" + c.args[0]->text + "' is not a date (write YYYY-MM-DD, e.g. '2026-01-31')");
      return constant(Value::date(*d), Type::date());
    }
    return {&node(&op::to_date, x.node), Type::date()};
  }

  Typed round(const Call& c, const Function&) {
    const std::size_t n = c.args.size();
    if (n != 1 && n != 2) arity(c.at, c.name, n, 2);
    Typed x = arg(c.args, 0, c.name, Kind::decimal, "a decimal");
    std::uint32_t places = 0;
    if (n == 2) {
      Typed p = arg(c.args, 1, c.name, Kind::decimal, "a whole number of places (0 to 6)");
      Decimal d = is_constant(p.node) && p.node->k.present() ? p.node->k.dec() : Decimal(-1);
      if (d < 0 || d > 6 || d.places_used() != 0)
        fail(*c.args[1], "argument 2 of round() must be a whole number from 0 to 6 written out, e.g. round(x, 2)");
      places = static_cast<std::uint32_t>(d.whole());
    }
    Node& r = node(&op::round, x.node);
    r.slot = places;
    return fold(c.at, {&r, x.type});
  }

  // min, max: two or more decimals, or two or more dates.
  Typed extreme(const Call& c, const Function& f) {
    const std::size_t n = c.args.size();
    const std::string name(c.name);
    if (n < 2)
      fail(c.at, name + "() takes two or more arguments (" + std::string(f.usage) + "), got " + std::to_string(n));
    Node& m = node(f.op);
    Type t{Kind::absent};
    for (std::size_t i = 0; i < n; ++i) {
      Typed x = compile(*c.args[i]);
      if (x.type.kind != Kind::decimal && x.type.kind != Kind::date)
        fail_operand(*c.args[i], "argument " + std::to_string(i + 1) + " of " + name +
                                     "() must be a decimal or a date, not " + a_type(x.type));
      if (t.kind != Kind::absent && t.kind != x.type.kind)
        fail_operand(*c.args[i], "the arguments of " + name + "() must all be decimals or all dates");
      bool money = t.money || x.type.money;
      t = x.type;
      t.money = money;
      m.kids.push_back(x.node);
    }
    return fold(c.at, {&m, t});
  }

  Typed days_between(const Call& c, const Function&) {
    arity(c.at, c.name, c.args.size(), 2);
    Typed x = arg(c.args, 0, c.name, Kind::date, "a date");
    Typed y = arg(c.args, 1, c.name, Kind::date, "a date");
    return fold(c.at, {&node(&op::days_between, x.node, y.node), Type::decimal()});
  }

  // list.count() counts the items; list.count(x, condition) those that match.
  Typed count(const Call& c, const Function& f) {
    if (c.args.size() == 3) return macro(c, f);
    if (c.args.size() != 1)
      fail(c.at, "count() takes no argument or a variable and a condition (" + std::string(f.usage) + ")");
    Typed x = arg(c.args, 0, c.name, Kind::list, "a list");
    return {&node(&op::count, x.node), Type::decimal()};
  }

  Typed sum(const Call& c, const Function&) {
    arity(c.at, c.name, c.args.size(), 1);
    Typed x = arg(c.args, 0, c.name, Kind::list, "a list");
    if (x.type.elem != Kind::decimal && x.type.elem != Kind::absent)
      fail_operand(*c.args[0],
                   "sum() adds a list of decimals, not " + a_type(x.type) + " (use .map(x, x.amount).sum())");
    return {&node(&op::sum, x.node), Type::decimal(x.type.money)};
  }

  // matches(text, 'regex'): the pattern is compiled once, here.
  Typed regex(const Call& c, const Function&) {
    arity(c.at, c.name, c.args.size(), 2);
    Typed x = arg(c.args, 0, c.name, Kind::string, "a string");
    const Ast& pat = *c.args[1];
    if (pat.k != Ast::K::string)
      fail(pat, "the pattern of matches() must be written as a string literal, e.g. '^[A-Z]{2}-[0-9]+$'");
    RE2::Options o;
    o.set_log_errors(false);
    auto re = std::make_unique<re2::RE2>(pat.text, o);
    if (!re->ok()) fail(pat, "invalid regular expression: " + re->error());
    Node& n = node(&op::matches, x.node);
    n.aux = p_.keep_regex(std::move(re));
    return {&n, Type::boolean()};
  }

  // all, exists, filter, map, count(x, condition): a variable bound to each
  // item of the list, and a body compiled with it in scope.
  Typed macro(const Call& c, const Function& f) {
    const std::string name(c.name);
    const auto& args = c.args;
    if (args.size() != 3)
      fail(c.at, name + "() takes a variable and " + (name == "map" ? "a value" : "a condition") + " (" +
                     std::string(f.usage) + ")");
    Typed list = compile(*args[0]);
    if (list.type.kind != Kind::list) fail_operand(*args[0], name + "() works on a list, not " + a_type(list.type));
    const Ast& v = *args[1];
    if (v.k != Ast::K::ident)
      fail(v, "the first argument of " + name + "() must be a variable name, e.g. " + std::string(f.usage));
    auto roots = root_names();
    if (std::find(roots.begin(), roots.end(), v.text) != roots.end() || v.text == to_string(root_rec()))
      fail(v, "'" + v.text + "' is already a name here; pick another variable name");
    if (vars_.size() + 1 >= kMaxVars) fail(v, "too many nested macros (at most " + std::to_string(kMaxVars - 1) + ")");
    auto slot = static_cast<std::uint32_t>(vars_.size() + 1);
    vars_.push_back({v.text, slot, list.type.element()});
    Typed body = compile(*args[2]);
    vars_.pop_back();

    if (name == "map") {
      if (body.type.kind == Kind::list) fail_operand(*args[2], "map() cannot make a list of lists");
      Node& n = node(&op::map, list.node, body.node);
      n.slot = slot;
      return {&n, Type::list_of(body.type)};
    }
    if (body.type.kind != Kind::boolean)
      fail_operand(*args[2], "the condition of " + name + "() must be a bool, not " + a_type(body.type));
    Node& n = node(name == "count" ? &op::count_if : f.op, list.node, body.node);
    n.slot = slot;
    Type t = name == "filter" ? list.type : name == "count" ? Type::decimal() : Type::boolean();
    return {&n, t};
  }

  Program& p_;
  const Environment& env_;
  std::vector<Var> vars_;
};

// Every function of the language: ONE table for the names, the usage shown in
// errors, and how each call is compiled. docs/packs.md describes each.
const std::array<Function, 23> Compiler::kFunctions = {{
    {"has", "has(x)", &Compiler::presence},
    {"size", "size(text or list)", &Compiler::size},
    {"contains", "contains(text, part)", &Compiler::string_test, &op::contains},
    {"startsWith", "startsWith(text, prefix)", &Compiler::string_test, &op::starts_with},
    {"endsWith", "endsWith(text, suffix)", &Compiler::string_test, &op::ends_with},
    {"matches", "matches(text, 'regex')", &Compiler::regex},
    {"lower", "lower(text)", &Compiler::one_argument, &op::lower, Kind::string, Type::string()},
    {"upper", "upper(text)", &Compiler::one_argument, &op::upper, Kind::string, Type::string()},
    {"abs", "abs(x)", &Compiler::one_argument, &op::abs, Kind::decimal, Type::decimal()},
    {"round", "round(x, places)", &Compiler::round},
    {"min", "min(a, b, ...)", &Compiler::extreme, &op::min},
    {"max", "max(a, b, ...)", &Compiler::extreme, &op::max},
    {"days_between", "days_between(from, to)", &Compiler::days_between},
    {"weekday", "weekday(date)", &Compiler::one_argument, &op::weekday, Kind::date, Type::string()},
    {"month", "month(date)", &Compiler::one_argument, &op::month, Kind::date, Type::decimal()},
    {"year", "year(date)", &Compiler::one_argument, &op::year, Kind::date, Type::decimal()},
    {"date", "date('YYYY-MM-DD')", &Compiler::date},
    {"all", "list.all(x, condition)", &Compiler::macro, &op::all},
    {"exists", "list.exists(x, condition)", &Compiler::macro, &op::exists},
    {"filter", "list.filter(x, condition)", &Compiler::macro, &op::filter},
    {"map", "list.map(x, value)", &Compiler::macro, &op::map},
    {"sum", "list.sum()", &Compiler::sum},
    {"count", "list.count() or list.count(x, condition)", &Compiler::count},
}};

}  // namespace

Program::Program() = default;
Program::~Program() = default;

Node& Program::add_node() { return nodes_.emplace_back(); }

std::string_view Program::keep(std::string text) { return texts_.emplace_back(std::move(text)); }

const re2::RE2* Program::keep_regex(std::unique_ptr<re2::RE2> re) {
  regexes_.push_back(std::move(re));
  return regexes_.back().get();
}

const Value* Program::keep_values(std::vector<Value> values) { return lists_.emplace_back(std::move(values)).data(); }

void Program::note_option_use(const std::string& name) {
  if (!uses_option(name)) used_options_.push_back(name);
}

bool Program::uses_option(std::string_view name) const {
  return std::find(used_options_.begin(), used_options_.end(), name) != used_options_.end();
}

Compiled Program::compile(std::string_view text, const Environment& env) {
  auto ast = parse(text);
  Typed t = Compiler(*this, env).compile(*ast);
  return {t.node, t.type};
}

BoundOptions::BoundOptions(const std::vector<OptionDecl>& decls, const Options& options) : options_(options) {
  for (const auto& d : decls) {
    if (!options_.has(d.name)) {
      values_.push_back(Value::absent());
      continue;
    }
    switch (d.type) {
      case OptionType::boolean: values_.push_back(Value::boolean(options_.boolean(d.name))); break;
      case OptionType::integer: values_.push_back(Value::decimal(Decimal::from_int(options_.integer(d.name)))); break;
      case OptionType::decimal: values_.push_back(Value::decimal(options_.decimal(d.name))); break;
      case OptionType::string: values_.push_back(Value::text(options_.string(d.name))); break;
      case OptionType::string_list: {
        auto& items = lists_.emplace_back();
        for (const auto& s : options_.strings(d.name)) items.push_back(Value::text(s));
        values_.push_back(Value::list(ListSrc::values, Rec::none, items.data(), items.size()));
        break;
      }
      case OptionType::decimal_map: {
        Value v = Value::absent();
        v.kind = Kind::map;
        v.p = &options_.decimal_map(d.name);
        values_.push_back(v);
        break;
      }
    }
  }
}

}  // namespace billcheck::expr
