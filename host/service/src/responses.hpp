// The JSON bodies the service writes besides the CLI's reports: errors with
// their located problems, the rule and plugin lists.
#pragma once

#include <billcheck/engine.hpp>

#include <httplib.h>

#include <string>
#include <string_view>
#include <vector>

namespace billcheck::service {

/// An answer other than 200, thrown from a route and written as the error object.
struct HttpError {
  int status;
  std::string code, message;
  std::vector<std::string> problems;
};

/// Sets `res` to the error object every host answers with
/// (docs/schema/error.schema.json, billcheck/problems.hpp): `problems` are the
/// loader's or config's messages, each located where it can be.
void set_error(httplib::Response& res, int status, std::string_view code, std::string_view message,
               const std::vector<std::string>& problems = {});
/// Text from a request (a path, a path segment, a parameter's name) as a message
/// quotes it: whole, with control characters, backslashes and bytes that are not
/// UTF-8 written as `\xNN` (`\\` for a backslash), so that a NUL neither cuts the
/// message short nor a control character acts on the terminal or log showing it.
std::string shown(std::string_view text);

/// The error code of a status httplib answers by itself (a malformed request line, a URI too long).
std::string_view error_code_of(int status);

std::string rules_json(const std::vector<RuleInfo>& rules);
/// Each plugin, with the rules of it the host refused at registration (`refused`: of every plugin).
std::string plugins_json(const std::vector<PluginRecord>& plugins, const std::vector<RuleSource>& refused);

}  // namespace billcheck::service
