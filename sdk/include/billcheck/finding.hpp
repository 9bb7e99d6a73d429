// A finding: one billing problem, with everything the report contract names.
#pragma once

#include <billcheck/date.hpp>
#include <billcheck/decimal.hpp>
#include <billcheck/export.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace billcheck {

enum class Severity { info = 0, warning = 1, error = 2 };

BILLCHECK_SDK_API std::string_view to_string(Severity s);
BILLCHECK_SDK_API std::optional<Severity> parse_severity(std::string_view text);

/// The contract's categories, in order.
BILLCHECK_SDK_API const std::vector<std::string_view>& categories();
BILLCHECK_SDK_API bool is_category(std::string_view name);

/// The right value for one field, where there is one.
struct Fix {
  std::string field, current, suggested;
};

/// One problem found by one rule. Rules fill it through the setters, one
/// chained statement per finding; the engine adds the fingerprint.
struct BILLCHECK_SDK_API Finding {
  std::string rule;
  Severity severity = Severity::error;
  std::string category;
  std::string message;

  // The entities the finding is about; empty = not applicable.
  std::string client, engagement, invoice, line, payment, credit_note, time_entry;

  std::optional<Decimal> amount_at_stake;  // positive = the client is overcharged
  std::string currency;
  std::vector<std::pair<std::string, std::string>> evidence;
  std::optional<Fix> fix;
  std::string fingerprint;
  /// Set by a rule when one record can have several findings of the rule, so
  /// that each keeps its own fingerprint.
  std::string discriminator;

  // Where the record was read, for compiler-style output.
  std::string file;
  std::uint32_t source_line = 0;

  Finding& at_stake(Decimal amount) {
    amount_at_stake = amount;
    return *this;
  }
  Finding& at_stake(Decimal amount, std::string_view in_currency) {
    amount_at_stake = amount;
    currency = in_currency;
    return *this;
  }
  Finding& evidence_of(std::string name, std::string value) {
    evidence.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  /// Money evidence, written with the finding's currency decimals.
  Finding& evidence_of(std::string name, Decimal value);
  Finding& evidence_of(std::string name, Date value) { return evidence_of(std::move(name), value.to_string()); }
  Finding& suggest(std::string field, std::string current, std::string suggested) {
    fix = Fix{std::move(field), std::move(current), std::move(suggested)};
    return *this;
  }
  Finding& with_severity(Severity s) {
    severity = s;
    return *this;
  }
  Finding& key(std::string k) {
    discriminator = std::move(k);
    return *this;
  }
  Finding& also_time_entry(std::string_view id) {
    time_entry = id;
    return *this;
  }
  Finding& also_payment(std::string_view id) {
    payment = id;
    return *this;
  }
};

}  // namespace billcheck
