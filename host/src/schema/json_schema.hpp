// The book's JSON Schema (docs/schema/book.schema.json), written from the
// entity schema so that it cannot drift from what the JSON loader reads.
#pragma once

#include <string>

namespace billcheck::schema {

/// A JSON Schema (2020-12) of a book in JSON (book-format.md): one key per
/// entity, each an array of records whose keys are the columns. It accepts
/// what the loader reads (a value as text or number, an empty or null value
/// for an absent one, extra scalar keys) and states the columns' types,
/// requirements and allowed values; the text ends with a newline.
std::string book_json_schema();

}  // namespace billcheck::schema
