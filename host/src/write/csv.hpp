// A CSV cell as billcheck writes one (a book's tables, the report's findings).
#pragma once

#include <string>
#include <string_view>

namespace billcheck::detail {

/// `text` as one RFC 4180 cell: quoted, with its quotes doubled, when it holds
/// a comma, a quote or a line break, or starts or ends with a space.
std::string csv_cell(std::string_view text);
/// The same cell appended to `out`.
void append_csv_cell(std::string& out, std::string_view text);

}  // namespace billcheck::detail
