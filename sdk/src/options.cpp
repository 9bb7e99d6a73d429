#include <billcheck/options.hpp>

// GCC 12 at -O2 reports a false -Wmaybe-uninitialized inside
// std::optional<std::variant<...>> returns here; clang and GCC 13 do not.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ == 12
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <stdexcept>

namespace billcheck {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) return s.substr(1, s.size() - 2);
  return s;
}

// Splits `a, b, c` (the inside of [..] or {..}) at top-level commas.
std::vector<std::string_view> split_items(std::string_view s) {
  std::vector<std::string_view> items;
  s = trim(s);
  if (s.empty()) return items;
  std::size_t start = 0;
  char quote = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && quote) {
      if (s[i] == quote) quote = 0;
      continue;
    }
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      quote = s[i];
      continue;
    }
    if (i == s.size() || s[i] == ',') {
      items.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return items;
}

std::string_view type_name(const OptionValue& v) {
  static constexpr std::string_view kNames[] = {"boolean", "integer", "decimal", "string", "string_list", "decimal_map"};
  return kNames[v.index()];
}

}  // namespace

std::string_view to_string(OptionType t) {
  switch (t) {
    case OptionType::boolean: return "boolean";
    case OptionType::integer: return "integer";
    case OptionType::decimal: return "decimal";
    case OptionType::string: return "string";
    case OptionType::string_list: return "string list";
    case OptionType::decimal_map: return "map of name to decimal";
  }
  return "?";
}

std::optional<OptionValue> parse_option(OptionType type, std::string_view text, std::string& error) {
  text = trim(text);
  switch (type) {
    case OptionType::boolean:
      // What YAML 1.2 calls booleans, and nothing else: a `flase` or a `no`
      // is an error rather than a silent guess.
      if (text == "true" || text == "True" || text == "TRUE") return OptionValue(true);
      if (text == "false" || text == "False" || text == "FALSE") return OptionValue(false);
      error = "expected true or false, got '" + std::string(text) + "'";
      return std::nullopt;
    case OptionType::integer: {
      std::int64_t v = 0;
      bool negative = !text.empty() && text.front() == '-';
      std::string_view digits = negative ? text.substr(1) : text;
      if (digits.empty() || digits.size() > 18) {
        error = "expected a whole number, got '" + std::string(text) + "'";
        return std::nullopt;
      }
      for (char c : digits) {
        if (c < '0' || c > '9') {
          error = "expected a whole number, got '" + std::string(text) + "'";
          return std::nullopt;
        }
        v = v * 10 + (c - '0');
      }
      return OptionValue(negative ? -v : v);
    }
    case OptionType::decimal: {
      Decimal d;
      std::string why = Decimal::parse_error(unquote(text), d);
      if (!why.empty()) {
        error = "expected a decimal number, got '" + std::string(text) + "' (" + why + ")";
        return std::nullopt;
      }
      return OptionValue(d);
    }
    case OptionType::string: return OptionValue(std::string(unquote(text)));
    case OptionType::string_list: {
      std::string_view inner = text;
      if (inner.size() >= 2 && inner.front() == '[' && inner.back() == ']') inner = inner.substr(1, inner.size() - 2);
      std::vector<std::string> items;
      for (auto item : split_items(inner)) items.emplace_back(unquote(item));
      return OptionValue(std::move(items));
    }
    case OptionType::decimal_map: {
      std::string_view inner = text;
      if (inner.size() >= 2 && inner.front() == '{' && inner.back() == '}') inner = inner.substr(1, inner.size() - 2);
      DecimalMap map;
      for (auto item : split_items(inner)) {
        auto colon = item.find(':');
        Decimal d;
        if (colon == std::string_view::npos || !Decimal::parse_error(unquote(item.substr(colon + 1)), d).empty()) {
          error = "expected name: decimal pairs, got '" + std::string(item) + "'";
          return std::nullopt;
        }
        map[std::string(unquote(item.substr(0, colon)))] = d;
      }
      return OptionValue(std::move(map));
    }
  }
  error = "unknown option type";
  return std::nullopt;
}

std::string format_option(const OptionValue& value) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(const Decimal& d) const { return d.to_string(); }
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(const std::vector<std::string>& v) const {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
      return out + "]";
    }
    std::string operator()(const DecimalMap& m) const {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, d] : m) {
        out += (first ? "" : ", ") + k + ": " + d.to_string();
        first = false;
      }
      return out + "}";
    }
  };
  return std::visit(Visitor{}, value);
}

const OptionValue& Options::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::invalid_argument("option '" + std::string(name) + "' is not declared by this rule");
  return it->second;
}

template <class T>
static const T& typed(const OptionValue& v, std::string_view name) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw std::invalid_argument("option '" + std::string(name) + "' is a " + std::string(type_name(v)));
}

bool Options::boolean(std::string_view name) const { return typed<bool>(get(name), name); }
std::int64_t Options::integer(std::string_view name) const { return typed<std::int64_t>(get(name), name); }
Decimal Options::decimal(std::string_view name) const { return typed<Decimal>(get(name), name); }
const std::string& Options::string(std::string_view name) const { return typed<std::string>(get(name), name); }
const std::vector<std::string>& Options::strings(std::string_view name) const {
  return typed<std::vector<std::string>>(get(name), name);
}
const DecimalMap& Options::decimal_map(std::string_view name) const { return typed<DecimalMap>(get(name), name); }

Decimal Options::non_negative_decimal(std::string_view name) const {
  const Decimal value = decimal(name);
  if (value.is_negative())
    throw std::invalid_argument("option '" + std::string(name) + "' must not be negative (it is " + value.to_string() + ")");
  return value;
}

std::int64_t Options::non_negative_integer(std::string_view name) const {
  const std::int64_t value = integer(name);
  if (value < 0)
    throw std::invalid_argument("option '" + std::string(name) + "' must not be negative (it is " +
                                std::to_string(value) + ")");
  return value;
}

}  // namespace billcheck
