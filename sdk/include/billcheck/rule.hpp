// Rules: what a rule declares about itself (RuleInfo), the scope it checks, and
// the Context through which it reports findings.
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/export.hpp>
#include <billcheck/finding.hpp>
#include <billcheck/log.hpp>
#include <billcheck/options.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace billcheck {

/// What one call of a rule's check function looks at.
enum class Scope { line, invoice, client, payment, credit_note, book };

BILLCHECK_SDK_API std::string_view to_string(Scope s);
BILLCHECK_SDK_API std::optional<Scope> parse_scope(std::string_view text);

/// Which part of the book a rule needs, so that a book too big for one machine
/// can be checked in parts (billcheck.distributed, docs/distributed.md). Each
/// part holds the reference tables (clients, timekeepers, engagements, rates)
/// whole, and:
/// - client: one client's records: its invoices with their lines, its payments
///   and credit notes, the time entries of its engagements. The rule's findings
///   about a client depend on nothing else.
/// - timekeeper: one timekeeper's fee lines across every client, with the
///   invoices they are on (headers only); for line and book scopes.
/// - firm: every invoice (headers, no lines), payment and credit note of the
///   firm; no lines, no time entries.
/// - book: everything at once: the default for a rule that declares nothing;
///   correct, but a check in parts runs it on the whole book in one task.
enum class Reach { client, timekeeper, firm, book };

BILLCHECK_SDK_API std::string_view to_string(Reach r);
BILLCHECK_SDK_API std::optional<Reach> parse_reach(std::string_view text);

/// Everything a rule says about itself; the config, `billcheck rules --explain`
/// and the docs all read this one table.
struct RuleInfo {
  std::string id;  // plugin.rule-name
  std::string title;
  std::string category;  // one of categories()
  Severity severity = Severity::error;
  std::string description;  // one plain paragraph
  std::vector<OptionSpec> options;
  Scope scope = Scope::line;  // set by Registry::add from the rule's base class
  std::string origin;         // set by the host: plugin, pack or Python file
  /// The engine runs the rule on one thread over all its records, between
  /// begin_batch() and end_batch() (for rules that hold a lock such as Python's GIL).
  bool single_threaded = false;
  /// The part of the book the rule needs (ABI 3.0).
  Reach reach = Reach::book;
};

/// Handed to a rule's check function: the book and a way to report findings.
/// Each report() call starts a finding about one record, with the rule's id,
/// category and configured severity, and the record's keys and currency filled in.
class BILLCHECK_SDK_API Context {
 public:
  Context(const Book& book, const RuleInfo& info, Severity severity, std::vector<Finding>& out)
      : book_(book), info_(info), severity_(severity), out_(out) {}
  /// For a line rule's check of `line`, whose invoice the host has found
  /// already (`book.invoice_of(line)`). (Since ABI 5.5.)
  Context(const Book& book, const RuleInfo& info, Severity severity, std::vector<Finding>& out,
          const InvoiceLine& line, const Invoice& invoice)
      : book_(book), info_(info), severity_(severity), out_(out), line_(&line), invoice_(&invoice) {}

  const Book& book() const { return book_; }
  const RuleInfo& info() const { return info_; }
  /// book().invoice_of(line); for the line a line rule is checking, read from
  /// the context rather than the book's index. A line rule of the default
  /// plugins asked for its line's invoice ~20 times a line in all: a tenth of
  /// a 1M-line book's rule time. (Since ABI 5.5.)
  const Invoice& invoice_of(const InvoiceLine& line) const {
    return &line == line_ ? *invoice_ : book_.invoice_of(line);
  }

  Finding& report(const InvoiceLine& line, std::string message);
  Finding& report(const Invoice& invoice, std::string message);
  Finding& report(const Client& client, std::string message);
  Finding& report(const Engagement& engagement, std::string message);
  Finding& report(const Payment& payment, std::string message);
  Finding& report(const CreditNote& note, std::string message);
  Finding& report(const TimeEntry& entry, std::string message);
  /// A rate card row has no id of its own: a rule that can report several rows
  /// of one engagement sets a key() (the timekeeper or role and effective_from).
  Finding& report(const Rate& rate, std::string message);
  /// A finding about the book as a whole.
  Finding& report(std::string message);

 private:
  Finding& start(std::string message, const Source& source);
  const Book& book_;
  const RuleInfo& info_;
  Severity severity_;
  std::vector<Finding>& out_;
  // (ABI 5.5) After the members of ABI 5.0, and read only by the inline code of
  // plugins built since: one built before (which may make or copy a Context of
  // the old size) never reads them, nor does the SDK's own code.
  const InvoiceLine* line_ = nullptr;
  const Invoice* invoice_ = nullptr;
};

/// Base of every rule. Derive from exactly one of the scoped bases below.
/// Rules are built once per configuration, read their options in the
/// constructor into const members, and keep no mutable state: check functions
/// are const and may run on many threads at once.
class BILLCHECK_SDK_API Rule {
 public:
  virtual ~Rule();
  /// Called around a batch of check() calls on one thread, for single_threaded rules.
  virtual void begin_batch() const {}
  virtual void end_batch() const {}
};

class BILLCHECK_SDK_API LineRule : public Rule {
 public:
  static constexpr Scope scope = Scope::line;
  virtual void check(const InvoiceLine& line, Context& ctx) const = 0;
};
class BILLCHECK_SDK_API InvoiceRule : public Rule {
 public:
  static constexpr Scope scope = Scope::invoice;
  virtual void check(const Invoice& invoice, Context& ctx) const = 0;
};
class BILLCHECK_SDK_API ClientRule : public Rule {
 public:
  static constexpr Scope scope = Scope::client;
  virtual void check(const Client& client, Context& ctx) const = 0;
};
class BILLCHECK_SDK_API PaymentRule : public Rule {
 public:
  static constexpr Scope scope = Scope::payment;
  virtual void check(const Payment& payment, Context& ctx) const = 0;
};
class BILLCHECK_SDK_API CreditNoteRule : public Rule {
 public:
  static constexpr Scope scope = Scope::credit_note;
  virtual void check(const CreditNote& note, Context& ctx) const = 0;
};
class BILLCHECK_SDK_API BookRule : public Rule {
 public:
  static constexpr Scope scope = Scope::book;
  virtual void check(const Book& book, Context& ctx) const = 0;
};

using RuleFactory = std::function<std::unique_ptr<Rule>(const Options&)>;

/// Where a plugin registers its rules: factories, not instances, so that only
/// enabled rules are ever built.
class BILLCHECK_SDK_API Registry {
 public:
  virtual ~Registry();

  /// Registers rule class R: R has a static `RuleInfo info()` and a constructor
  /// taking `const Options&` (or none).
  template <class R>
  void add() {
    RuleInfo info = R::info();
    info.scope = R::scope;
    add_rule(std::move(info), [](const Options& options) -> std::unique_ptr<Rule> {
      if constexpr (std::is_constructible_v<R, const Options&>)
        return std::make_unique<R>(options);
      else
        return std::make_unique<R>();
    });
  }

  virtual void add_rule(RuleInfo info, RuleFactory factory) = 0;
  /// The host's logger.
  virtual Log& log() = 0;
};

}  // namespace billcheck
