// The functions compiled nodes run, and the per-thread scratch space that
// list results and computed text live in during one evaluation.
#pragma once

#include <memory>
#include <vector>

#include "packs/expr/expr.hpp"

namespace billcheck::expr {

/// Text made during an evaluation (lower(), upper(), +): blocks reused between evaluations.
class Arena {
 public:
  char* alloc(std::size_t n);
  std::size_t block() const { return block_; }
  std::size_t used() const { return used_; }
  void release(std::size_t block, std::size_t used) {
    block_ = block;
    used_ = used;
  }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::vector<std::size_t> sizes_;
  std::size_t block_ = 0, used_ = 0;
};

struct Scratch {
  std::vector<Value> values;
  Arena arena;
};

/// The calling thread's scratch space.
Scratch& thread_scratch();

inline Value eval(const Node* n, Frame& f) { return n->fn(*n, f); }

/// The frame's scratch space, fetched on first use (scalar expressions never touch it).
Scratch& scratch_of(Frame& f);

/// Element `i` of a list value.
inline Value element(const Value& list, std::size_t i, const Frame& f) {
  switch (list.src) {
    case ListSrc::lines: return Value::record(Rec::line, static_cast<const InvoiceLine*>(list.p) + i);
    case ListSrc::records: return Value::record(list.rec, static_cast<const void* const*>(list.p)[i]);
    case ListSrc::values: return static_cast<const Value*>(list.p)[i];
    case ListSrc::scratch: return f.scratch->values[static_cast<std::size_t>(list.i) + i];
  }
  return Value::absent();
}

bool equal(const Value& x, const Value& y);

namespace op {
// Leaves.
Value constant(const Node&, Frame&);
Value var(const Node&, Frame&);
Value option(const Node&, Frame&);
// Field access: `a.FIELD` (aux: FieldFn); var_field reads vars[slot] directly.
Value field(const Node&, Frame&);
Value var_field(const Node&, Frame&);
// extra.NAME (k: the name), extra[b], map[b].
Value extra(const Node&, Frame&);
Value extra_index(const Node&, Frame&);
Value map_index(const Node&, Frame&);
// Arithmetic on decimals; concat on strings.
Value add(const Node&, Frame&);
Value sub(const Node&, Frame&);
Value mul(const Node&, Frame&);
Value div(const Node&, Frame&);
Value mod(const Node&, Frame&);
Value neg(const Node&, Frame&);
Value concat(const Node&, Frame&);
// Comparisons: ints are decimals and dates (raw integers).
Value eq_int(const Node&, Frame&);
Value ne_int(const Node&, Frame&);
Value lt_int(const Node&, Frame&);
Value le_int(const Node&, Frame&);
Value gt_int(const Node&, Frame&);
Value ge_int(const Node&, Frame&);
Value eq_str(const Node&, Frame&);
Value ne_str(const Node&, Frame&);
Value lt_str(const Node&, Frame&);
Value le_str(const Node&, Frame&);
Value gt_str(const Node&, Frame&);
Value ge_str(const Node&, Frame&);
Value eq_bool(const Node&, Frame&);
Value ne_bool(const Node&, Frame&);
// `var.FIELD > constant` on decimals, the commonest condition, in one step.
Value gt_var_field_const(const Node&, Frame&);
Value ge_var_field_const(const Node&, Frame&);
Value lt_var_field_const(const Node&, Frame&);
Value le_var_field_const(const Node&, Frame&);
// Logic.
Value and_(const Node&, Frame&);
Value or_(const Node&, Frame&);
Value not_(const Node&, Frame&);
Value cond(const Node&, Frame&);
Value in_list(const Node&, Frame&);
Value in_map(const Node&, Frame&);
Value list(const Node&, Frame&);
// Functions.
Value has(const Node&, Frame&);
Value size_str(const Node&, Frame&);
Value size_list(const Node&, Frame&);
Value contains(const Node&, Frame&);
Value starts_with(const Node&, Frame&);
Value ends_with(const Node&, Frame&);
Value matches(const Node&, Frame&);  // aux: re2::RE2
Value lower(const Node&, Frame&);
Value upper(const Node&, Frame&);
Value abs(const Node&, Frame&);
Value round(const Node&, Frame&);  // slot: places
Value min(const Node&, Frame&);    // kids
Value max(const Node&, Frame&);
Value days_between(const Node&, Frame&);
Value weekday(const Node&, Frame&);
Value month(const Node&, Frame&);
Value year(const Node&, Frame&);
Value to_date(const Node&, Frame&);
// Macros: a is the list, b the body, slot the variable.
Value all(const Node&, Frame&);
Value exists(const Node&, Frame&);
Value filter(const Node&, Frame&);
Value map(const Node&, Frame&);
Value count_if(const Node&, Frame&);
Value count(const Node&, Frame&);
Value sum(const Node&, Frame&);
}  // namespace op

}  // namespace billcheck::expr
