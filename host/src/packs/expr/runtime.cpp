#include "packs/expr/runtime.hpp"

#include "engine/thread_state.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "packs/expr/bindings.hpp"

namespace billcheck::expr {

char* Arena::alloc(std::size_t n) {
  while (block_ < blocks_.size()) {
    if (sizes_[block_] - used_ >= n) {
      char* p = blocks_[block_].get() + used_;
      used_ += n;
      return p;
    }
    ++block_;
    used_ = 0;
  }
  std::size_t size = std::max<std::size_t>(n, 16384);
  blocks_.push_back(std::make_unique<char[]>(size));
  sizes_.push_back(size);
  block_ = blocks_.size() - 1;
  used_ = n;
  return blocks_.back().get();
}

Scratch& thread_scratch() {
  // Usable by an atexit handler's check too (detail::ThreadState).
  return billcheck::detail::ThreadState<Scratch>::get();
}

Scratch& scratch_of(Frame& f) {
  if (!f.scratch) {
    f.scratch = &thread_scratch();
    f.values_mark = f.scratch->values.size();
    f.block_mark = f.scratch->arena.block();
    f.used_mark = f.scratch->arena.used();
  }
  return *f.scratch;
}

Evaluation::Evaluation(const Book& book, Root root, const Value* options) {
  frame_.book = &book;
  frame_.options = options;
  frame_.vars[0] = Value::record(root.rec, root.ptr);
}

Evaluation::~Evaluation() {
  if (Scratch* s = frame_.scratch) {
    s->values.resize(frame_.values_mark);
    s->arena.release(frame_.block_mark, frame_.used_mark);
  }
}

std::string Evaluation::text(const Compiled& e, std::string_view currency) {
  return format_value((*this)(e), e.type, currency, frame_);
}

std::string Evaluation::format(const Value& v, const Type& t, std::string_view currency) const {
  return format_value(v, t, currency, frame_);
}

std::string format_value(const Value& v, const Type& t, std::string_view currency, const Frame& f) {
  switch (v.kind) {
    case Kind::absent: return "(none)";
    case Kind::boolean: return v.b ? "true" : "false";
    case Kind::decimal: return t.money && !currency.empty() ? format_amount(v.dec(), currency) : v.dec().to_string();
    case Kind::string: return std::string(v.str());
    case Kind::date: return v.day().to_string();
    case Kind::record: return std::string(to_string(v.rec));
    case Kind::map: return "map";
    case Kind::list: {
      std::string out;
      for (std::size_t i = 0; i < v.n; ++i) {
        if (i) out += ", ";
        out += format_value(element(v, i, f), t.element(), currency, f);
      }
      return out;
    }
  }
  return {};
}

bool equal(const Value& x, const Value& y) {
  if (x.kind != y.kind) return false;
  switch (x.kind) {
    case Kind::boolean: return x.b == y.b;
    case Kind::decimal:
    case Kind::date: return x.i == y.i;
    case Kind::string: return x.str() == y.str();
    case Kind::record: return x.p == y.p;
    default: return false;
  }
}

namespace op {
namespace {

Value text_in_arena(Frame& f, std::size_t n, char** out) {
  char* p = scratch_of(f).arena.alloc(n);
  *out = p;
  Value v = Value::absent();
  v.kind = Kind::string;
  v.s = p;
  v.n = static_cast<std::uint32_t>(n);
  return v;
}

template <class F>
Value decimal_op(const Node& n, Frame& f, F op) {
  Value x = eval(n.a, f);
  if (!x.present()) return x;
  Value y = eval(n.b, f);
  if (!y.present()) return y;
  return op(x.dec(), y.dec());
}

template <class Cmp>
Value cmp_int(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  if (!x.present()) return Value::boolean(false);
  Value y = eval(n.b, f);
  if (!y.present()) return Value::boolean(false);
  return Value::boolean(Cmp{}(x.i, y.i));
}

template <class Cmp>
Value cmp_str(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  if (!x.present()) return Value::boolean(false);
  Value y = eval(n.b, f);
  if (!y.present()) return Value::boolean(false);
  return Value::boolean(Cmp{}(x.str().compare(y.str()), 0));
}

template <class Cmp>
Value cmp_var_field_const(const Node& n, Frame& f) {
  const Value& r = f.vars[n.slot];
  if (!r.present()) return Value::boolean(false);
  Value x = n.field(r.p, *f.book);
  if (!x.present()) return Value::boolean(false);
  return Value::boolean(Cmp{}(x.i, n.k.i));
}

template <class F>
Value string_pred(const Node& n, Frame& f, F pred) {
  Value x = eval(n.a, f);
  if (!x.present()) return x;
  Value y = eval(n.b, f);
  if (!y.present()) return y;
  return Value::boolean(pred(x.str(), y.str()));
}

template <class F>
Value map_chars(const Node& n, Frame& f, F fn) {
  Value x = eval(n.a, f);
  if (!x.present()) return x;
  char* out = nullptr;
  Value v = text_in_arena(f, x.n, &out);
  for (std::uint32_t i = 0; i < x.n; ++i) out[i] = fn(x.s[i]);
  return v;
}

/// Counts `n` more elements walked; past kMaxSteps the rule stops for this record.
void step(Frame& f, std::size_t n) {
  f.steps += n;
  if (f.steps > kMaxSteps)
    throw std::runtime_error("its expression walked more than " + std::to_string(kMaxSteps) +
                             " elements for one record (exists, all, filter or map nested over large lists); "
                             "narrow the lists it walks");
}

// Runs `body` for each element of the list in n.a with the element bound to
// vars[n.slot]; `each(value)` returns false to stop. Scratch used by the body
// is released after each element.
template <class Each>
void for_each(const Node& n, Frame& f, Each each) {
  Value list = eval(n.a, f);
  if (!list.present()) return;
  step(f, list.n);
  for (std::size_t i = 0; i < list.n; ++i) {
    f.vars[n.slot] = element(list, i, f);
    const bool had_scratch = f.scratch != nullptr;
    const std::size_t mark = had_scratch ? f.scratch->values.size() : 0;
    Value r = eval(n.b, f);
    if (f.scratch) f.scratch->values.resize(had_scratch ? mark : f.values_mark);
    if (!each(r)) break;
  }
}

}  // namespace

Value constant(const Node& n, Frame&) { return n.k; }
Value var(const Node& n, Frame& f) { return f.vars[n.slot]; }
Value option(const Node& n, Frame& f) { return f.options[n.slot]; }

Value field(const Node& n, Frame& f) {
  Value r = eval(n.a, f);
  if (!r.present()) return r;
  return n.field(r.p, *f.book);
}

Value var_field(const Node& n, Frame& f) {
  const Value& r = f.vars[n.slot];
  if (!r.present()) return r;
  return n.field(r.p, *f.book);
}

Value extra(const Node& n, Frame& f) {
  Value r = eval(n.a, f);
  if (!r.present()) return r;
  const Text* v = r.as<Extras>().find(n.k.str());
  return v ? Value::text(*v) : Value::absent();
}

Value extra_index(const Node& n, Frame& f) {
  Value r = eval(n.a, f);
  if (!r.present()) return r;
  Value key = eval(n.b, f);
  if (!key.present()) return key;
  const Text* v = r.as<Extras>().find(key.str());
  return v ? Value::text(*v) : Value::absent();
}

Value map_index(const Node& n, Frame& f) {
  Value m = eval(n.a, f);
  if (!m.present()) return m;
  Value key = eval(n.b, f);
  if (!key.present()) return key;
  const auto& map = m.as<DecimalMap>();
  auto it = map.find(key.str());
  return it == map.end() ? Value::absent() : Value::decimal(it->second);
}

Value add(const Node& n, Frame& f) {
  return decimal_op(n, f, [](Decimal a, Decimal b) { return Value::decimal(a + b); });
}
Value sub(const Node& n, Frame& f) {
  return decimal_op(n, f, [](Decimal a, Decimal b) { return Value::decimal(a - b); });
}
Value mul(const Node& n, Frame& f) {
  return decimal_op(n, f, [](Decimal a, Decimal b) { return Value::decimal(a * b); });
}
Value div(const Node& n, Frame& f) {
  return decimal_op(n, f, [](Decimal a, Decimal b) { return b.is_zero() ? Value::absent() : Value::decimal(a / b); });
}
Value mod(const Node& n, Frame& f) {
  return decimal_op(n, f, [](Decimal a, Decimal b) {
    return b.is_zero() ? Value::absent() : Value::decimal(Decimal::from_raw(a.raw() % b.raw()));
  });
}
Value neg(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  return x.present() ? Value::decimal(-x.dec()) : x;
}

Value concat(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  if (!x.present()) return x;
  Value y = eval(n.b, f);
  if (!y.present()) return y;
  char* out = nullptr;
  Value v = text_in_arena(f, std::size_t(x.n) + y.n, &out);
  std::memcpy(out, x.s, x.n);
  std::memcpy(out + x.n, y.s, y.n);
  return v;
}

Value eq_int(const Node& n, Frame& f) { return cmp_int<std::equal_to<>>(n, f); }
Value ne_int(const Node& n, Frame& f) { return cmp_int<std::not_equal_to<>>(n, f); }
Value lt_int(const Node& n, Frame& f) { return cmp_int<std::less<>>(n, f); }
Value le_int(const Node& n, Frame& f) { return cmp_int<std::less_equal<>>(n, f); }
Value gt_int(const Node& n, Frame& f) { return cmp_int<std::greater<>>(n, f); }
Value ge_int(const Node& n, Frame& f) { return cmp_int<std::greater_equal<>>(n, f); }
Value eq_str(const Node& n, Frame& f) { return cmp_str<std::equal_to<>>(n, f); }
Value ne_str(const Node& n, Frame& f) { return cmp_str<std::not_equal_to<>>(n, f); }
Value lt_str(const Node& n, Frame& f) { return cmp_str<std::less<>>(n, f); }
Value le_str(const Node& n, Frame& f) { return cmp_str<std::less_equal<>>(n, f); }
Value gt_str(const Node& n, Frame& f) { return cmp_str<std::greater<>>(n, f); }
Value ge_str(const Node& n, Frame& f) { return cmp_str<std::greater_equal<>>(n, f); }

Value eq_bool(const Node& n, Frame& f) {
  Value x = eval(n.a, f), y = eval(n.b, f);
  return Value::boolean(x.present() && y.present() && x.b == y.b);
}
Value ne_bool(const Node& n, Frame& f) {
  Value x = eval(n.a, f), y = eval(n.b, f);
  return Value::boolean(x.present() && y.present() && x.b != y.b);
}

Value gt_var_field_const(const Node& n, Frame& f) { return cmp_var_field_const<std::greater<>>(n, f); }
Value ge_var_field_const(const Node& n, Frame& f) { return cmp_var_field_const<std::greater_equal<>>(n, f); }
Value lt_var_field_const(const Node& n, Frame& f) { return cmp_var_field_const<std::less<>>(n, f); }
Value le_var_field_const(const Node& n, Frame& f) { return cmp_var_field_const<std::less_equal<>>(n, f); }

Value and_(const Node& n, Frame& f) { return Value::boolean(eval(n.a, f).truthy() && eval(n.b, f).truthy()); }
Value or_(const Node& n, Frame& f) { return Value::boolean(eval(n.a, f).truthy() || eval(n.b, f).truthy()); }
Value not_(const Node& n, Frame& f) { return Value::boolean(!eval(n.a, f).truthy()); }
Value cond(const Node& n, Frame& f) { return eval(n.a, f).truthy() ? eval(n.b, f) : eval(n.c, f); }

Value in_list(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  if (!x.present()) return Value::boolean(false);
  Value list = eval(n.b, f);
  for (std::size_t i = 0; i < list.n && list.present(); ++i)
    if (equal(x, element(list, i, f))) return Value::boolean(true);
  return Value::boolean(false);
}

Value in_map(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  if (!x.present()) return Value::boolean(false);
  Value m = eval(n.b, f);
  if (!m.present()) return Value::boolean(false);
  return Value::boolean(m.as<DecimalMap>().contains(x.str()));
}

Value list(const Node& n, Frame& f) {
  Scratch& s = scratch_of(f);
  // Elements first (they may use scratch themselves), then the list itself, contiguous.
  std::size_t start = s.values.size();
  s.values.resize(start + n.kids.size());
  for (std::size_t i = 0; i < n.kids.size(); ++i) {
    Value v = eval(n.kids[i], f);
    s.values[start + i] = v;
  }
  return Value::scratch_list(start, n.kids.size());
}

Value has(const Node& n, Frame& f) { return Value::boolean(eval(n.a, f).present()); }

Value size_str(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  if (!x.present()) return Value::decimal(0);
  std::int64_t count = 0;
  for (std::uint32_t i = 0; i < x.n; ++i) count += (static_cast<unsigned char>(x.s[i]) & 0xC0) != 0x80;
  return Value::decimal(Decimal::from_int(count));
}

Value size_list(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  return Value::decimal(Decimal::from_int(x.present() ? x.n : 0));
}

Value contains(const Node& n, Frame& f) {
  return string_pred(n, f, [](std::string_view s, std::string_view p) { return s.find(p) != std::string_view::npos; });
}
Value starts_with(const Node& n, Frame& f) {
  return string_pred(n, f, [](std::string_view s, std::string_view p) { return s.starts_with(p); });
}
Value ends_with(const Node& n, Frame& f) {
  return string_pred(n, f, [](std::string_view s, std::string_view p) { return s.ends_with(p); });
}

Value matches(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  if (!x.present()) return x;
  const auto& re = *static_cast<const re2::RE2*>(n.aux);
  return Value::boolean(re2::RE2::PartialMatch(re2::StringPiece(x.s, x.n), re));
}

Value lower(const Node& n, Frame& f) {
  return map_chars(n, f, [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
}
Value upper(const Node& n, Frame& f) {
  return map_chars(n, f, [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; });
}

Value abs(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  return x.present() ? Value::decimal(x.dec().abs()) : x;
}

Value round(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  return x.present() ? Value::decimal(x.dec().round(static_cast<int>(n.slot))) : x;
}

Value min(const Node& n, Frame& f) {
  Value best = Value::absent();
  for (const Node* k : n.kids) {
    Value v = eval(k, f);
    if (!v.present()) return v;
    if (!best.present() || v.i < best.i) best = v;
  }
  return best;
}

Value max(const Node& n, Frame& f) {
  Value best = Value::absent();
  for (const Node* k : n.kids) {
    Value v = eval(k, f);
    if (!v.present()) return v;
    if (!best.present() || v.i > best.i) best = v;
  }
  return best;
}

Value days_between(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  if (!x.present()) return x;
  Value y = eval(n.b, f);
  if (!y.present()) return y;
  return Value::decimal(Decimal::from_int(y.i - x.i));
}

Value weekday(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  return x.present() ? Value::text(x.day().weekday_name()) : x;
}
Value month(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  return x.present() ? Value::decimal(Decimal::from_int(x.day().month())) : x;
}
Value year(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  return x.present() ? Value::decimal(Decimal::from_int(x.day().year())) : x;
}

Value to_date(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  if (!x.present()) return x;
  auto d = Date::parse_iso(x.str());
  return d ? Value::date(*d) : Value::absent();
}

Value all(const Node& n, Frame& f) {
  bool ok = true;
  for_each(n, f, [&](const Value& r) { return ok = r.truthy(); });
  return Value::boolean(ok);
}

Value exists(const Node& n, Frame& f) {
  bool found = false;
  for_each(n, f, [&](const Value& r) { return !(found = r.truthy()); });
  return Value::boolean(found);
}

Value count_if(const Node& n, Frame& f) {
  std::int64_t count = 0;
  for_each(n, f, [&](const Value& r) {
    count += r.truthy();
    return true;
  });
  return Value::decimal(Decimal::from_int(count));
}

Value filter(const Node& n, Frame& f) {
  Scratch& s = scratch_of(f);
  Value list = eval(n.a, f);
  if (!list.present()) return list;
  step(f, list.n);
  std::size_t start = s.values.size();
  for (std::size_t i = 0; i < list.n; ++i) {
    Value e = element(list, i, f);
    f.vars[n.slot] = e;
    std::size_t mark = s.values.size();
    bool keep = eval(n.b, f).truthy();
    s.values.resize(mark);
    if (keep) s.values.push_back(e);
  }
  Value out = Value::scratch_list(start, s.values.size() - start);
  out.rec = list.rec;
  return out;
}

Value map(const Node& n, Frame& f) {
  Scratch& s = scratch_of(f);
  Value list = eval(n.a, f);
  if (!list.present()) return list;
  step(f, list.n);
  std::size_t start = s.values.size();
  for (std::size_t i = 0; i < list.n; ++i) {
    f.vars[n.slot] = element(list, i, f);
    std::size_t mark = s.values.size();
    Value r = eval(n.b, f);  // never a list: the type checker refuses lists of lists
    s.values.resize(mark);
    s.values.push_back(r);
  }
  return Value::scratch_list(start, s.values.size() - start);
}

Value count(const Node& n, Frame& f) {
  Value x = eval(n.a, f);
  return Value::decimal(Decimal::from_int(x.present() ? x.n : 0));
}

Value sum(const Node& n, Frame& f) {
  Value list = eval(n.a, f);
  Decimal total;
  for (std::size_t i = 0; list.present() && i < list.n; ++i) {
    Value e = element(list, i, f);
    if (e.present()) total += e.dec();
  }
  return Value::decimal(total);
}

}  // namespace op
}  // namespace billcheck::expr
