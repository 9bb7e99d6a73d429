// Rules written in Python, as the engine sees them: each is a C++ rule of its
// scope (a LineRule, an InvoiceRule, ...) whose check() calls the Python
// function. They run on one thread between begin_batch() and end_batch(),
// which hold the GIL for the whole batch, never per record.
#pragma once

#include "convert.hpp"

#include <billcheck/rule.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace billcheck::python {

/// An evidence or fix value: text as given, or an amount that the report
/// writes with the finding's currency decimals (like a native rule's Decimal evidence).
using ReportValue = std::variant<std::string, Decimal>;

/// What `ctx.finding(...)` returns and a rule yields: a finding not yet reported.
struct FindingDraft {
  std::string message;
  std::optional<Decimal> at_stake;
  std::vector<std::pair<std::string, ReportValue>> evidence;
  std::optional<std::pair<std::string, std::pair<ReportValue, ReportValue>>> fix;  // field, (current, suggested)
  std::optional<Severity> severity;
  std::string key;
  py::object about;  // the record the finding is about; None = the record checked
};

/// The `ctx` a Python rule receives: its options, the book, and finding().
class RuleContext {
 public:
  RuleContext(py::dict options, std::string rule_id) : options_(std::move(options)), rule_id_(std::move(rule_id)) {}
  const py::dict& options() const { return options_; }
  const std::string& rule_id() const { return rule_id_; }

 private:
  py::dict options_;
  std::string rule_id_;
};

/// The RuleInfo and factory of a Python rule object (a decorated function, a
/// billcheck.Rule subclass or an instance of one). Raises (Python) when the
/// object is not a rule. The GIL must be held.
std::pair<RuleInfo, RuleFactory> python_rule(py::handle rule);

/// The engine's hook (LoadPythonRules): runs each rule file and registers the
/// rules it defines, then the rules handed to billcheck.Engine(rules=...).
/// Errors are appended as `file:line: Type: message`. Never throws.
void load_rule_files(const std::vector<std::filesystem::path>& files, Registry& registry,
                     std::vector<std::string>& errors);

/// While alive, `rules` (a Python iterable) are added by load_rule_files on
/// this thread: how billcheck.Engine(config, rules=[...]) gets rules registered
/// before the config's settings are checked against them.
class PendingRules {
 public:
  explicit PendingRules(py::object rules);
  ~PendingRules();
  PendingRules(const PendingRules&) = delete;
  PendingRules& operator=(const PendingRules&) = delete;

 private:
  py::object rules_;
  py::object* previous_;
};

}  // namespace billcheck::python
