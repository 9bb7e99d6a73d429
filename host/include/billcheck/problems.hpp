// The problems of a book or config that did not load, as data rather than
// text, for the programs that host the engine (the C API, the service): each
// problem's file, line and column, and the error object they answer with.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace billcheck {

/// One located problem: `book/invoices.csv:2: column 'issue_date': ...` is
/// {file "book/invoices.csv", line 2, message "column 'issue_date': ..."}.
struct Problem {
  std::string file;  // empty when the message names no place
  int line = 0;      // 1-based; 0 = not known
  int column = 0;    // 1-based; 0 = not known (YAML problems have one)
  std::string message;
};

/// Splits a BookError's or ConfigError's message (`file:line: what` or
/// `file:line:column: what`) into its parts; a message without a line is kept
/// whole as the problem's message.
Problem locate_problem(std::string_view text);

/// The error object hosts answer a failure with (docs/schema/error.schema.json):
/// `{"error": {"code": CODE, "message": MESSAGE, "problems": [{"file", "line",
/// "column", "message"}, ...]}}`, a part of a problem left out when not known.
std::string error_json(std::string_view code, std::string_view message, const std::vector<std::string>& problems);

/// One line for a failure with `problems`: `WHAT: PROBLEM` for one problem,
/// `WHAT: N problems; the first: PROBLEM` for more.
std::string problems_summary(std::string_view what, const std::vector<std::string>& problems);

}  // namespace billcheck
