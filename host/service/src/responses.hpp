// The JSON bodies the service writes besides the CLI's reports: errors with
// their located problems, the rule and plugin lists.
#pragma once

#include <billcheck/engine.hpp>

#include <httplib.h>

#include <string>
#include <string_view>
#include <vector>

namespace billcheck::service {

/// One located problem of a book (or config): `file:line[:column]: message`.
struct Problem {
  std::string file;
  int line = 0, column = 0;  // 0: not known
  std::string message;
};

/// Splits loader messages (`NAME:LINE: what`, `NAME:LINE:COLUMN: what`, `NAME: what`) into problems.
std::vector<Problem> parse_problems(const std::vector<std::string>& messages);

/// Sets `res` to `{"error": {"code", "message", "problems"}}` with `status`.
void set_error(httplib::Response& res, int status, std::string_view code, std::string_view message,
               const std::vector<Problem>& problems = {});
/// The error code of a status httplib answers by itself (a malformed request line, a URI too long).
std::string_view error_code_of(int status);

std::string rules_json(const std::vector<RuleInfo>& rules);
std::string plugins_json(const std::vector<PluginRecord>& plugins);

}  // namespace billcheck::service
