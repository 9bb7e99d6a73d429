// Rule options: each rule declares its options (type, default, description)
// beside its code; the same table validates the config and writes the docs.
#pragma once

#include <billcheck/decimal.hpp>
#include <billcheck/export.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace billcheck {

enum class OptionType { boolean, integer, decimal, string, string_list, decimal_map };

BILLCHECK_SDK_API std::string_view to_string(OptionType t);

using DecimalMap = std::map<std::string, Decimal, std::less<>>;
using OptionValue = std::variant<bool, std::int64_t, Decimal, std::string, std::vector<std::string>, DecimalMap>;

/// One declared option. `default_text` is written as in a config file:
/// `true`, `30`, `0.01`, `text`, `[a, b]` for lists, `{partner: 650}` for maps.
struct OptionSpec {
  std::string name;
  OptionType type;
  std::string default_text;
  std::string description;
};

/// Parses option text of the given type; on failure returns nullopt and sets `error`.
BILLCHECK_SDK_API std::optional<OptionValue> parse_option(OptionType type, std::string_view text,
                                                          std::string& error);
/// Writes a value back as config text (the inverse of parse_option).
BILLCHECK_SDK_API std::string format_option(const OptionValue& value);

/// The options one rule instance was built with: every declared option, with
/// the configured value or its default.
class BILLCHECK_SDK_API Options {
 public:
  Options() = default;
  void set(std::string name, OptionValue value) { values_[std::move(name)] = std::move(value); }
  bool has(std::string_view name) const { return values_.find(name) != values_.end(); }

  // Each throws std::invalid_argument naming the option when it is not declared
  // or has another type: a programming error in the rule, caught by tests.
  bool boolean(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;
  Decimal decimal(std::string_view name) const;
  const std::string& string(std::string_view name) const;
  const std::vector<std::string>& strings(std::string_view name) const;
  const DecimalMap& decimal_map(std::string_view name) const;
  /// Like decimal() and integer(), for options that may not be negative: a
  /// negative value throws std::invalid_argument saying so, which the host
  /// reports against the config line that set it.
  Decimal non_negative_decimal(std::string_view name) const;
  std::int64_t non_negative_integer(std::string_view name) const;

  const std::map<std::string, OptionValue, std::less<>>& values() const { return values_; }

 private:
  const OptionValue& get(std::string_view name) const;
  std::map<std::string, OptionValue, std::less<>> values_;
};

}  // namespace billcheck
