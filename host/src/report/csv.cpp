// `check --format csv`: one row per finding, the report's fields as columns
// and each evidence item in a column of its own, for a spreadsheet.
#include <billcheck/report.hpp>

#include "report/table.hpp"
#include "write/csv.hpp"

namespace billcheck {

void write_csv(std::ostream& out, const Report& report) {
  const detail::FindingTable table(report);
  for (std::size_t i = 0; i < table.columns.size(); ++i) out << (i ? "," : "") << detail::csv_cell(table.columns[i]);
  out << '\n';
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      out << (i ? "," : "") << detail::csv_cell(detail::inert_in_spreadsheet(row[i]));
    out << '\n';
  }
}

}  // namespace billcheck
