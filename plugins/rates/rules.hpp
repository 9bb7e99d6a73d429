// The rates plugin's rules: time is billed by known timekeepers at the rates
// the client agreed to.
#pragma once

#include <billcheck/replaces.hpp>
#include <billcheck/sdk.hpp>

#include <string>
#include <string_view>

namespace billcheck::rates {

/// A fee line's rate is the engagement's agreed rate for its timekeeper on its date.
class ContractRateRule : public LineRule {
 public:
  explicit ContractRateRule(const Options& options);
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;

 private:
  const Decimal tolerance_;
};

/// A fee line on an engagement with a rate card has a row of that card that applies to it.
class NoAgreedRateRule : public LineRule {
 public:
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;
};

/// A fee line's timekeeper is one of the book's timekeepers.
class UnknownTimekeeperRule : public LineRule {
 public:
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;
};

/// A fee line's rate is no more than the firm's maximum for its timekeeper's role.
class RoleCapRule : public LineRule {
 public:
  explicit RoleCapRule(const Options& options);
  static RuleInfo info();
  void check(const InvoiceLine& line, Context& ctx) const override;

 private:
  const DecimalMap caps_;
};

/// A rate card row ends on or after the day it starts.
class EffectiveDatesRule : public BookRule {
 public:
  static RuleInfo info();
  void check(const Book& book, Context& ctx) const override;
};

// Helpers shared by the rules above.

/// The timekeeper of a fee line of a non-void invoice, or nullptr when the
/// line is not one these rules check (another type, a void invoice) or its
/// timekeeper is not in the book.
inline const Timekeeper* checked_timekeeper(const InvoiceLine& line, const Context& ctx) {
  if (!line.is_fee() || ctx.invoice_of(line).is_void()) return nullptr;
  return ctx.book().timekeeper_of(line);
}

/// `Dana Reyes (TK-2)`: a timekeeper as the client reads the name, with the id to look up.
inline std::string timekeeper_text(const Timekeeper& tk) {
  return tk.name.empty() ? tk.id : tk.name + " (" + tk.id + ")";
}

/// `a partner`, `an associate`: a role as the client reads it.
inline std::string role_text(const std::string& role) {
  const bool vowel = !role.empty() && std::string_view("aeiouAEIOU").find(role.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + role;
}


/// The date a line's rate is looked up on: its own, else the day its invoice
/// was first billed (for a replacement, the issue date of the invoice it replaces).
inline Date rate_date(const InvoiceLine& line, const Context& ctx) {
  return line.date.value_or(first_billed(ctx.book(), ctx.invoice_of(line)));
}

/// `rates.csv:4`: where a rate card row was read.
inline std::string row_text(const Book& book, const Rate& rate) {
  return std::string(book.file_of(rate.source)) + ":" + std::to_string(rate.source.line);
}

}  // namespace billcheck::rates
