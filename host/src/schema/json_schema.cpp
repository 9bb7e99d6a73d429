#include "schema/json_schema.hpp"

#include "schema/schema.hpp"

#include <nlohmann/json.hpp>

namespace billcheck::schema {
namespace {

using Json = nlohmann::ordered_json;

std::string def_ref(std::string_view def) { return "#/$defs/" + std::string(def); }

/// The kinds of value a column holds, as the loader reads them from JSON:
/// each is text (or a number, read from its own text, never as a binary float).
Json value_kinds() {
  Json defs = Json::object();
  defs["text"] = {{"description", "text; a number is read as the text it is written as"},
                  {"type", Json::array({"string", "number"})}};
  // Decimal::parse: an optional sign, digits with '.', at most 6 decimals (trailing zeros aside).
  const Json decimal_text = {{"type", "string"},
                             {"pattern", R"(^[-+]?(?:[0-9]+(?:\.[0-9]{0,6}0*)?|\.[0-9]{1,6}0*)$)"}};
  defs["decimal"] = {
      {"description", "an exact decimal: text such as \"-12.5\" (at most 6 decimals, '.' as the separator, "
                      "no thousands separators), or a JSON number, read from its text"},
      {"anyOf", Json::array({decimal_text, {{"type", "number"}}})}};
  defs["money"] = {{"description", "an amount in the record's currency, written as a decimal"},
                   {"$ref", def_ref("decimal")}};
  defs["date"] = {{"description", "a date, YYYY-MM-DD"},
                  {"type", "string"},
                  {"pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                  {"format", "date"}};
  defs["whole_number"] = {{"description", "a whole number, as a JSON integer or its digits"},
                          {"anyOf", Json::array({{{"type", "integer"}}, {{"type", "string"}, {"pattern", "^-?[0-9]+$"}}})}};
  defs["boolean"] = {
      {"description", "true or false; also \"true\"/\"false\", \"yes\"/\"no\" (any case), 1/0"},
      {"anyOf",
       Json::array({{{"type", "boolean"}},
        {{"enum", Json::array({0, 1})}},
        {{"type", "string"}, {"pattern", "^(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo]|[01])$"}}})}};
  defs["currency"] = {{"description", "an ISO 4217 currency code, upper case (USD, EUR, JPY)"},
                      {"type", "string"},
                      {"pattern", "^[A-Z]{3}$"}};
  defs["absent"] = {{"description", "no value: null or the empty string"}, {"enum", Json::array({nullptr, ""})}};
  defs["extra"] = {{"description", "a column the contract does not name, kept as the record's extra text"},
                   {"type", Json::array({"string", "number", "boolean", "null"})}};
  return defs;
}

template <auto M>
std::string_view kind_of(const Column<M>& column) {
  using V = typename Column<M>::value_type;
  if constexpr (std::is_same_v<V, Text>) return column.is_currency ? "currency" : "text";
  else if constexpr (std::is_same_v<V, Decimal>) return column.is_money ? "money" : "decimal";
  else if constexpr (std::is_same_v<V, Date>) return "date";
  else if constexpr (std::is_same_v<V, std::int64_t> || std::is_same_v<V, std::int32_t>) return "whole_number";
  else if constexpr (std::is_same_v<V, bool>) return "boolean";
  else static_assert(sizeof(V) == 0, "no JSON Schema kind for this member type");
}

template <auto M>
Json column_schema(const Column<M>& column) {
  Json value = Json::object();
  if (!column.choices.empty()) {
    value["enum"] = Json::array();
    for (std::string_view choice : column.choices) value["enum"].push_back(choice);
  } else {
    value["$ref"] = def_ref(kind_of(column));
    // A required text column must have a value: an empty one is a missing one.
    if (column.required && kind_of(column) == "text") value["minLength"] = 1;
  }
  Json out = {{"description", column.doc}};
  if (column.required) {
    out.update(value);
  } else {
    out["anyOf"] = Json::array({value, {{"$ref", def_ref("absent")}}});
  }
  return out;
}

}  // namespace

std::string book_json_schema() {
  Json root;
  root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  root["title"] = "billcheck book";
  root["description"] =
      "A book in JSON (docs/book-format.md): one object whose keys are the entities, each an array of records "
      "keyed by the column names. Generated from host/src/schema/schema.hpp; do not edit.";
  root["type"] = "object";
  Json properties = Json::object();
  Json defs = Json::object();
  for_each_entity([&](const auto& entity) {
    const std::string name(entity.name);
    properties[name] = {{"description", "the records of " + name + ".csv; null is none"},
                        {"type", Json::array({"array", "null"})},
                        {"items", {{"$ref", def_ref(name)}}}};
    Json columns = Json::object();
    Json required = Json::array();
    for_each_column(entity.columns, [&](const auto& column) {
      columns[std::string(column.name)] = column_schema(column);
      if (column.required) required.push_back(column.name);
    });
    defs[name] = {{"description", "one record of " + name + ".csv"},
                  {"type", "object"},
                  {"properties", std::move(columns)},
                  {"required", std::move(required)},
                  {"additionalProperties", {{"$ref", def_ref("extra")}}}};
  });
  root["properties"] = std::move(properties);
  root["additionalProperties"] = false;
  defs.update(value_kinds());
  root["$defs"] = std::move(defs);
  return root.dump(2) + "\n";
}

}  // namespace billcheck::schema
