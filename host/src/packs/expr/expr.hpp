// The pack expression language: compile an expression once (type-checked
// against the scope's records and the rule's options), then evaluate it per
// record without allocating for scalar results.
//
//   expr::Program program;
//   expr::Environment env{Scope::line, {{"cap", OptionType::decimal}}};
//   expr::Compiled when = program.compile("line.rate > options.cap", env);   // throws ExprError
//   expr::BoundOptions opts(env.options, options);
//   expr::Evaluation ev(book, expr::root_of(line), opts);
//   bool flagged = ev(when).truthy();
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/options.hpp>
#include <billcheck/rule.hpp>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "packs/expr/parser.hpp"
#include "packs/expr/value.hpp"

namespace re2 {
class RE2;
}

namespace billcheck::expr {

struct Node;
struct Frame;
using EvalFn = Value (*)(const Node&, Frame&);
/// Reads one field of a record (see fields.hpp).
using FieldFn = Value (*)(const void* record, const Book& book);

/// One step of a compiled expression: a function and its operands. Built once
/// at load; never changed after.
struct Node {
  EvalFn fn = nullptr;
  const Node* a = nullptr;
  const Node* b = nullptr;
  const Node* c = nullptr;
  std::vector<const Node*> kids;  // variadic operands
  Value k = Value::absent();      // a constant, or a name for look-ups
  std::uint32_t slot = 0;         // a variable or option slot, or a small integer operand
  FieldFn field = nullptr;        // a field accessor
  const void* aux = nullptr;      // a compiled regex, a map option
};

/// Variables an expression sees: slot 0 is the scope's record, the rest are
/// bound by macros (`l` in `lines.filter(l, ...)`).
inline constexpr std::size_t kMaxVars = 16;

/// A declared option, usable as `options.NAME`.
struct OptionDecl {
  std::string name;
  OptionType type;
};

/// What an expression is compiled against: the rule's scope and its options.
struct Environment {
  Scope scope = Scope::line;
  std::vector<OptionDecl> options;
};

/// A compiled expression: its root node and its static type.
struct Compiled {
  const Node* root = nullptr;
  Type type;
  explicit operator bool() const { return root != nullptr; }
};

/// Owns the nodes, literal text and regular expressions of any number of
/// compiled expressions (one per pack rule, shared by every instance of it).
class Program {
 public:
  Program();
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  /// Compiles `text`; throws ExprError (offset into `text`) for a syntax or type error.
  Compiled compile(std::string_view text, const Environment& env);
  /// Which of env.options any expression compiled so far uses.
  bool uses_option(std::string_view name) const;
  /// The first field read so far that can lead to another client's records
  /// (invoice.payments, payment.invoice ...), as "record.field"; empty if none.
  /// It decides whether a pack rule's reach can be `client`.
  const std::string& crosses_clients() const { return crossing_; }

  // For the compiler.
  Node& add_node();
  std::string_view keep(std::string text);
  const re2::RE2* keep_regex(std::unique_ptr<re2::RE2> re);
  void note_option_use(const std::string& name);
  void note_crossing(std::string field) {
    if (crossing_.empty()) crossing_ = std::move(field);
  }
  const Value* keep_values(std::vector<Value> values);

 private:
  std::deque<Node> nodes_;
  std::deque<std::string> texts_;
  std::vector<std::unique_ptr<re2::RE2>> regexes_;
  std::deque<std::vector<Value>> lists_;
  std::vector<std::string> used_options_;
  std::string crossing_;
};

/// The option values of one rule instance, as expression values. Holds a copy
/// of the Options that its text values point into.
class BoundOptions {
 public:
  BoundOptions() = default;
  BoundOptions(const std::vector<OptionDecl>& decls, const Options& options);
  BoundOptions(const BoundOptions&) = delete;
  BoundOptions& operator=(const BoundOptions&) = delete;
  const Value* data() const { return values_.data(); }

 private:
  Options options_;
  std::vector<Value> values_;
  std::deque<std::vector<Value>> lists_;
};

/// The record a scoped rule is checking.
struct Root {
  Rec rec = Rec::none;
  const void* ptr = nullptr;
};
inline Root root_of(const InvoiceLine& x) { return {Rec::line, &x}; }
inline Root root_of(const Invoice& x) { return {Rec::invoice, &x}; }
inline Root root_of(const Client& x) { return {Rec::client, &x}; }
inline Root root_of(const Payment& x) { return {Rec::payment, &x}; }
inline Root root_of(const CreditNote& x) { return {Rec::credit_note, &x}; }

struct Scratch;

/// The state of one evaluation: the book, the variables, and the thread's
/// scratch space (reused between evaluations; released when this ends).
/// The elements one evaluation may walk (exists, all, filter, map, count_if,
/// sum): nested quantifiers multiply, and a pack must not hang the host.
inline constexpr std::uint64_t kMaxSteps = 4'000'000;

struct Frame {
  const Book* book = nullptr;
  const Value* options = nullptr;
  Scratch* scratch = nullptr;  // fetched on first use, with where to release it to
  std::size_t values_mark = 0, block_mark = 0, used_mark = 0;
  std::uint64_t steps = 0;  // elements walked so far, up to kMaxSteps
  Value vars[kMaxVars];
};

/// Evaluates compiled expressions for one record. Values it returns may point
/// into scratch space that lives as long as the Evaluation.
class Evaluation {
 public:
  Evaluation(const Book& book, Root root, const BoundOptions& options) : Evaluation(book, root, options.data()) {}
  Evaluation(const Book& book, Root root, const Value* options);
  ~Evaluation();
  Evaluation(const Evaluation&) = delete;
  Evaluation& operator=(const Evaluation&) = delete;

  Value operator()(const Compiled& e) { return e.root->fn(*e.root, frame_); }
  /// The value as text: money with the currency's decimals (when `currency`
  /// is given), dates as YYYY-MM-DD, lists as `a, b`; absent is `(none)`.
  std::string text(const Compiled& e, std::string_view currency = {});
  /// A value this evaluation returned, as text (see text()).
  std::string format(const Value& v, const Type& t, std::string_view currency = {}) const;

 private:
  Frame frame_;
};

/// Formats a value of static type `t` (see Evaluation::text).
std::string format_value(const Value& v, const Type& t, std::string_view currency, const Frame& f);

}  // namespace billcheck::expr
