// The schema as docs/book-format.md shows it: one table per entity. A test
// compares the page with this text, so the page cannot drift from the loaders.
#include "schema/schema.hpp"

namespace billcheck::schema {
namespace {

template <auto M>
std::string type_words(const Column<M>& column) {
  using V = typename Column<M>::value_type;
  if (!column.choices.empty()) {
    std::string out = "one of ";
    for (std::size_t i = 0; i < column.choices.size(); ++i) {
      if (i > 0) out += ", ";
      out += "`" + std::string(column.choices[i]) + "`";
    }
    return out;
  }
  if constexpr (std::is_same_v<V, Text>) return "text";
  else if constexpr (std::is_same_v<V, Decimal>) return column.is_money ? "money" : "decimal";
  else if constexpr (std::is_same_v<V, Date>) return "date";
  else if constexpr (std::is_same_v<V, std::int64_t> || std::is_same_v<V, std::int32_t>) return "whole number";
  else if constexpr (std::is_same_v<V, bool>) return "boolean";
  else static_assert(sizeof(V) == 0, "no words for this member type");
}

/// What an empty cell means for a column whose member always holds a value
/// (`billable`: absent is true); empty when absent means absent.
template <auto M>
std::string absent_means(const Column<M>& column) {
  using T = typename Column<M>::member_type;
  if constexpr (std::is_same_v<T, bool>) {
    if (!column.required) return typename Column<M>::record{}.*M ? "true" : "false";
  }
  return {};
}

template <auto M>
std::string row(const Column<M>& column) {
  std::string meaning(column.doc);
  if (column.field() != column.name)
    meaning += " (read as `" + std::string(column.field()) + "` by packs and Python)";
  if (std::string absent = absent_means(column); !absent.empty()) meaning += "; absent means " + absent;
  return "| `" + std::string(column.name) + "` | " + type_words(column) + " | " + (column.required ? "yes" : "") +
         " | " + meaning + " |\n";
}

}  // namespace

std::string columns_markdown() {
  std::string out;
  for_each_entity([&](const auto& entity) {
    out += "\n### " + std::string(entity.name) + ".csv\n\n";
    out += "| column | type | required | meaning |\n|---|---|---|---|\n";
    for_each_column(entity.columns, [&](const auto& column) { out += row(column); });
  });
  return out;
}

}  // namespace billcheck::schema
