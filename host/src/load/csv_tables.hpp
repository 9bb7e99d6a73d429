// Tables of several entities in one CSV text: the form a book in parts moves
// records between processes in (write_slice, read_slice), read by the CSV
// loader's own reader, which is several times faster than the JSON one.
#pragma once

#include <billcheck/book.hpp>

#include <string>
#include <string_view>

namespace billcheck::detail {

/// Reads `text`: sections of `ENTITY BYTES\n` then BYTES of CSV (a header row,
/// then rows), in any order; `name` names it in errors. Every record's source
/// is `name` and its row; the caller restores the original one. Throws
/// BookError listing every problem.
BookData read_csv_tables(std::string text, std::string_view name);

}  // namespace billcheck::detail
