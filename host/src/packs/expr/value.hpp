// The pack expression language's types (checked when a pack loads) and the
// values its compiled expressions produce: 16-byte, trivially copyable, and
// pointing into the Book (or the compiled expression) rather than owning text.
#pragma once

#include <billcheck/date.hpp>
#include <billcheck/decimal.hpp>
#include <cstdint>
#include <string>
#include <string_view>

namespace billcheck::expr {

enum class Kind : std::uint8_t { absent, boolean, decimal, string, date, record, list, map };

/// The record types an expression can reach; `extra` is a record's extra
/// columns (a map of name to text), `decimal_map` a map option.
enum class Rec : std::uint8_t {
  none,
  line,
  invoice,
  client,
  payment,
  credit_note,
  timekeeper,
  engagement,
  time_entry,
  rate,
  extra,
};

/// A static type. Every value may also be absent at run time; types do not
/// track that, the absent-value rule handles it.
struct Type {
  Kind kind = Kind::boolean;
  Rec rec = Rec::none;       // record kind (kind == record), or a list's record elements
  Kind elem = Kind::absent;  // a list's element kind
  bool money = false;        // a decimal that is an amount: written with the currency's decimals

  static constexpr Type boolean() { return {Kind::boolean}; }
  static constexpr Type decimal(bool money = false) { return {Kind::decimal, Rec::none, Kind::absent, money}; }
  static constexpr Type string() { return {Kind::string}; }
  static constexpr Type date() { return {Kind::date}; }
  static constexpr Type record(Rec r) { return {Kind::record, r}; }
  static constexpr Type list_of(Type e) { return {Kind::list, e.rec, e.kind, e.money}; }
  static constexpr Type decimal_map() { return {Kind::map}; }

  Type element() const { return {elem, rec, Kind::absent, money}; }
  bool same_kind(const Type& o) const { return kind == o.kind && rec == o.rec && elem == o.elem; }
};

std::string_view to_string(Rec r);
/// `decimal`, `string`, `list<line>`, `line` ...
std::string to_string(const Type& t);

/// How a list value reaches its elements.
enum class ListSrc : std::uint8_t {
  lines,    // p: const InvoiceLine*, contiguous
  records,  // p: const void* const*, records of kind `rec`
  values,   // p: const Value*, stable storage (constants, options)
  scratch,  // i: offset into the evaluating thread's scratch values
};

/// A run-time value. Decimals and dates are kept as their raw integers; text
/// as a pointer and a length into the Book, the compiled expression, or the
/// evaluation's scratch arena.
struct Value {
  Kind kind;
  Rec rec;          // record kind, or list element record kind
  ListSrc src;      // lists
  std::uint32_t n;  // text length, list length
  union {
    bool b;
    std::int64_t i;
    const char* s;
    const void* p;
  };

  static Value absent() {
    Value v;
    v.kind = Kind::absent;
    v.rec = Rec::none;
    v.src = ListSrc::values;
    v.n = 0;
    v.i = 0;
    return v;
  }
  static Value boolean(bool x) {
    Value v = absent();
    v.kind = Kind::boolean;
    v.b = x;
    return v;
  }
  static Value decimal(Decimal d) {
    Value v = absent();
    v.kind = Kind::decimal;
    v.i = d.raw();
    return v;
  }
  static Value date(Date d) {
    Value v = absent();
    v.kind = Kind::date;
    v.i = d.sys_days().time_since_epoch().count();
    return v;
  }
  /// Text; empty text is absent (the contract: an empty cell is absent).
  static Value text(std::string_view t) {
    if (t.empty()) return absent();
    Value v = absent();
    v.kind = Kind::string;
    v.s = t.data();
    v.n = static_cast<std::uint32_t>(t.size());
    return v;
  }
  static Value record(Rec r, const void* ptr) {
    if (!ptr) return absent();
    Value v = absent();
    v.kind = Kind::record;
    v.rec = r;
    v.p = ptr;
    return v;
  }
  static Value list(ListSrc src, Rec r, const void* ptr, std::size_t count) {
    Value v = absent();
    v.kind = Kind::list;
    v.src = src;
    v.rec = r;
    v.p = ptr;
    v.n = static_cast<std::uint32_t>(count);
    return v;
  }
  static Value scratch_list(std::size_t offset, std::size_t count) {
    Value v = absent();
    v.kind = Kind::list;
    v.src = ListSrc::scratch;
    v.i = static_cast<std::int64_t>(offset);
    v.n = static_cast<std::uint32_t>(count);
    return v;
  }

  bool present() const { return kind != Kind::absent; }
  /// True only for a present `true`: absent counts as false.
  bool truthy() const { return kind == Kind::boolean && b; }
  Decimal dec() const { return Decimal::from_raw(i); }
  Date day() const { return Date(std::chrono::sys_days(std::chrono::days(i))); }
  std::string_view str() const { return {s, n}; }
  template <class T>
  const T& as() const {
    return *static_cast<const T*>(p);
  }
};

}  // namespace billcheck::expr
