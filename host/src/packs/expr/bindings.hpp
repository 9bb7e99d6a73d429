// The fields of each record an expression can read: the contract's columns
// (from the entity schema, schema/schema.hpp), the links between records
// (line.timekeeper, invoice.client ...) and the lists (invoice.lines,
// client.invoices ...), each with its type.
#pragma once

#include <span>
#include <string_view>

#include "packs/expr/expr.hpp"

namespace billcheck::expr {

struct Field {
  std::string_view name;
  Type type;
  FieldFn get;
  std::string_view doc;  // one line
  bool column = false;   // one of the schema's columns (documented in docs/book-format.md)
};

/// The fields of records of kind `r` (none for `extra`, whose names are the columns).
std::span<const Field> fields_of(Rec r);
const Field* find_field(Rec r, std::string_view name);
/// Whether field `name` of a record of kind `r` can lead to another client's
/// records: the payments and credit notes on an invoice (another client may
/// have paid it), the invoice of a payment or credit note, an engagement's invoices.
bool crosses_clients(Rec r, std::string_view name);

}  // namespace billcheck::expr
