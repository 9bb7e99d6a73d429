// bind_sdk: the engine, reports, findings, rule descriptions and errors; the
// records (bind_entities.cpp) and the Python rule support (python_rule.cpp).
#include "bind_sdk.hpp"

#include "convert.hpp"
#include "python_rule.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/output.hpp>
#include <billcheck/remedies.hpp>
#include <billcheck/report.hpp>
#include <billcheck/version.hpp>

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace billcheck::python {
namespace {

// Kept for the life of the process, like the module that holds them.
PyObject* g_book_error = nullptr;
PyObject* g_config_error = nullptr;
PyObject* g_unknown_invoice = nullptr;

void raise_with_messages(PyObject* type, const std::vector<std::string>& messages) {
  std::string text;
  for (const auto& m : messages) text += (text.empty() ? "" : "\n") + m;
  py::object exc = py::reinterpret_borrow<py::object>(type)(text);
  exc.attr("messages") = py::cast(messages);
  PyErr_SetObject(type, exc.ptr());
}

py::object opt_text(const std::string& s) { return text_or_none(s); }

// The amount as the JSON report writes it (`150.00` in USD), so Python and CLI agree.
py::object amount_as_reported(const std::optional<Decimal>& amount, const std::string& currency) {
  return money_to_py(amount, currency);
}

py::dict evidence_dict(const Finding& f) {
  py::dict d;
  for (const auto& [k, v] : f.evidence) d[py::str(k)] = py::str(v);
  return d;
}

py::object fix_dict(const Finding& f) {
  if (!f.fix) return py::none();
  py::dict d;
  d["field"] = f.fix->field;
  d["current"] = f.fix->current;
  d["suggested"] = f.fix->suggested;
  return d;
}

py::object location(const Finding& f) {
  if (f.file.empty()) return py::none();
  return py::str(f.file + ":" + std::to_string(f.source_line));
}

// Every contract field, None where absent: one row of a DataFrame.
py::dict finding_dict(const Finding& f) {
  py::dict d;
  d["rule"] = f.rule;
  d["severity"] = std::string(to_string(f.severity));
  d["category"] = f.category;
  d["message"] = f.message;
  d["client"] = opt_text(f.client);
  d["engagement"] = opt_text(f.engagement);
  d["invoice"] = opt_text(f.invoice);
  d["line"] = opt_text(f.line);
  d["payment"] = opt_text(f.payment);
  d["credit_note"] = opt_text(f.credit_note);
  d["time_entry"] = opt_text(f.time_entry);
  d["amount_at_stake"] = amount_as_reported(f.amount_at_stake, f.currency);
  d["currency"] = opt_text(f.currency);
  d["evidence"] = evidence_dict(f);
  d["fix"] = fix_dict(f);
  d["fingerprint"] = f.fingerprint;
  d["location"] = location(f);
  return d;
}

// A cause with the keys of the JSON report's "causes" (amounts as Decimal).
py::dict cause_dict(const Cause& c) {
  py::dict d;
  d["rule"] = c.rule;
  d["kind"] = c.kind;
  d["key"] = c.key;
  d["severity"] = std::string(to_string(c.severity));
  d["action"] = c.action;
  py::dict amounts;
  for (const auto& [currency, amount] : c.at_stake) amounts[py::str(currency)] = money_to_py(amount, currency);
  d["amount_at_stake"] = amounts;
  if (!c.overflowed.empty()) {
    py::list overflowed;
    for (const auto& currency : c.overflowed) overflowed.append(py::str(currency));
    d["overflowed"] = overflowed;
  }
  py::list members;
  for (const auto& fp : c.members) members.append(py::str(fp));
  d["members"] = members;
  return d;
}

py::dict summary_dict(const Report& r) {
  const Summary& s = r.summary;
  py::dict d;
  d["invoices"] = s.invoices;
  d["lines"] = s.lines;
  d["findings"] = r.findings.size();
  py::dict by_severity;
  for (Severity sev : {Severity::error, Severity::warning, Severity::info}) {
    auto it = s.by_severity.find(sev);
    by_severity[py::str(std::string(to_string(sev)))] = it == s.by_severity.end() ? 0 : it->second;
  }
  d["by_severity"] = by_severity;
  py::dict by_category;
  for (const auto& [c, n] : s.by_category) by_category[py::str(c)] = n;
  d["by_category"] = by_category;
  // The same keys as the JSON report's summary.
  for (auto [key, map] : {std::pair{"amount_at_stake", &s.at_stake}, {"overcharged", &s.overcharged},
                          {"undercharged", &s.undercharged}, {"credit_exposure", &s.credit_exposure}}) {
    py::dict per_currency;
    for (const auto& [currency, amount] : *map) per_currency[py::str(currency)] = money_to_py(amount, currency);
    d[key] = per_currency;
  }
  py::list overflowed;
  for (const auto& currency : s.overflowed) overflowed.append(py::str(currency));
  if (!s.overflowed.empty()) d["overflowed"] = overflowed;  // as in the JSON report
  d["waived"] = s.waived;
  return d;
}

py::list sources_list(const std::vector<RuleSource>& sources) {
  py::list out;
  for (const auto& r : sources) {
    py::dict d;
    d["kind"] = r.kind;
    d["name"] = r.name;
    d["version"] = r.version;
    d["path"] = r.path.string();
    if (!r.reason.empty()) d["reason"] = r.reason;
    out.append(d);
  }
  return out;
}

std::string option_type_name(OptionType t) {
  switch (t) {
    case OptionType::string_list: return "string_list";
    case OptionType::decimal_map: return "decimal_map";
    default: return std::string(to_string(t));
  }
}

void bind_errors(py::module_& m) {
  g_book_error = PyErr_NewExceptionWithDoc(
      "billcheck.BookError",
      "A book that could not be loaded. .messages lists every problem as\n"
      "'file:line: column 'name': what is wrong'.",
      PyExc_Exception, nullptr);
  g_config_error = PyErr_NewExceptionWithDoc(
      "billcheck.ConfigError",
      "A configuration the engine did not accept: billcheck.yaml, an unknown rule or option, or a\n"
      "Python rule file that does not load. .messages lists every problem with its file:line.",
      PyExc_Exception, nullptr);
  g_unknown_invoice = PyErr_NewExceptionWithDoc(
      "billcheck.UnknownInvoice",
      "Engine.check(book, invoice=ID) where the book has no invoice ID. A LookupError; .invoice is the id.",
      PyExc_LookupError, nullptr);
  m.attr("BookError") = py::handle(g_book_error);
  m.attr("ConfigError") = py::handle(g_config_error);
  m.attr("UnknownInvoice") = py::handle(g_unknown_invoice);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const BookError& e) {
      raise_with_messages(g_book_error, e.messages());
    } catch (const ConfigError& e) {
      raise_with_messages(g_config_error, e.messages());
    } catch (const UnknownInvoice& e) {
      py::object error = py::reinterpret_borrow<py::object>(g_unknown_invoice)(e.what());
      error.attr("invoice") = e.invoice();
      PyErr_SetObject(g_unknown_invoice, error.ptr());
    } catch (const UnknownRecord& e) {
      PyErr_SetString(PyExc_LookupError, e.what());
    }
  });
}

void bind_rule_info(py::module_& m) {
  py::class_<OptionSpec>(m, "OptionSpec", "One option a rule declares.")
      .def_readonly("name", &OptionSpec::name)
      .def_property_readonly("type", [](const OptionSpec& o) { return option_type_name(o.type); },
                             "boolean, integer, decimal, string, string_list or decimal_map.")
      .def_readonly("default", &OptionSpec::default_text, "The default, written as in billcheck.yaml.")
      .def_readonly("description", &OptionSpec::description)
      .def("__repr__", [](const OptionSpec& o) { return "<OptionSpec " + o.name + "=" + o.default_text + ">"; });

  py::class_<RuleInfo>(m, "RuleInfo", "What a rule says about itself: the table behind `billcheck rules`.")
      .def_readonly("id", &RuleInfo::id, "plugin-or-pack.rule-name")
      .def_readonly("title", &RuleInfo::title)
      .def_readonly("category", &RuleInfo::category)
      .def_property_readonly("severity", [](const RuleInfo& r) { return std::string(to_string(r.severity)); },
                             "The default severity: error, warning or info.")
      .def_property_readonly("scope", [](const RuleInfo& r) { return std::string(to_string(r.scope)); },
                             "What one check looks at: line, invoice, client, payment, credit_note or book.")
      .def_property_readonly("reach", [](const RuleInfo& r) { return std::string(to_string(r.reach)); },
                             "The part of the book the rule needs: client, timekeeper, firm or book "
                             "(docs/distributed.md).")
      .def_readonly("description", &RuleInfo::description)
      .def_readonly("options", &RuleInfo::options, "The declared options (list of OptionSpec).")
      .def_readonly("origin", &RuleInfo::origin, "Where the rule comes from: plugin, pack or Python file.")
      .def("explain", &explain_rule, "The text of `billcheck rules --explain ID`.")
      .def("__repr__", [](const RuleInfo& r) { return "<RuleInfo " + r.id + ">"; });
}

void bind_report(py::module_& m) {
  py::class_<Finding>(m, "Finding",
                      "One billing problem, with the fields of the report contract. Absent keys are None;\n"
                      "amount_at_stake is a Decimal as the JSON report writes it (or None).")
      .def_readonly("rule", &Finding::rule)
      .def_property_readonly("severity", [](const Finding& f) { return std::string(to_string(f.severity)); })
      .def_readonly("category", &Finding::category)
      .def_readonly("message", &Finding::message)
      .def_property_readonly("client", [](const Finding& f) { return opt_text(f.client); })
      .def_property_readonly("engagement", [](const Finding& f) { return opt_text(f.engagement); })
      .def_property_readonly("invoice", [](const Finding& f) { return opt_text(f.invoice); })
      .def_property_readonly("line", [](const Finding& f) { return opt_text(f.line); }, "The line number, as text.")
      .def_property_readonly("payment", [](const Finding& f) { return opt_text(f.payment); })
      .def_property_readonly("credit_note", [](const Finding& f) { return opt_text(f.credit_note); })
      .def_property_readonly("time_entry", [](const Finding& f) { return opt_text(f.time_entry); })
      .def_property_readonly("amount_at_stake",
                             [](const Finding& f) { return amount_as_reported(f.amount_at_stake, f.currency); },
                             "Signed Decimal in the currency (positive = the client is overcharged), or None.")
      .def_property_readonly("currency", [](const Finding& f) { return opt_text(f.currency); })
      .def_property_readonly("evidence", &evidence_dict, "{name: text}: the expected and the actual.")
      .def_property_readonly("fix", &fix_dict, "{'field', 'current', 'suggested'}, or None.")
      .def_readonly("fingerprint", &Finding::fingerprint, "Stays the same across runs for the same problem.")
      .def_property_readonly("location", &location, "Where the record was read: 'file:line', or None.")
      .def("to_dict", &finding_dict, "Every contract field as a dict (None where absent).")
      .def("to_json", &finding_to_json, "The finding as the JSON report writes it.")
      .def("__repr__", [](const Finding& f) {
        return "<Finding " + f.rule + " " + std::string(to_string(f.severity)) + ": " + f.message + ">";
      });

  py::class_<WaivedFinding>(m, "WaivedFinding", "A finding that a waiver in billcheck.yaml covers.")
      .def_readonly("finding", &WaivedFinding::finding)
      .def_property_readonly("reason", [](const WaivedFinding& w) { return w.waiver.reason; })
      .def_property_readonly("approved_by", [](const WaivedFinding& w) { return opt_text(w.waiver.approved_by); })
      .def_property_readonly("expires", [](const WaivedFinding& w) { return to_py(w.waiver.expires); });

  py::class_<Report>(m, "Report", "The result of Engine.check: findings in a stable order, waived findings, a summary.")
      .def_readonly("findings", &Report::findings,
                    "Findings sorted by client, invoice, line, rule: the same order whatever the threads.")
      .def_readonly("waived", &Report::waived, "Findings covered by a waiver (list of WaivedFinding).")
      .def_property_readonly(
          "sources", [](const Report& r) { return sources_list(r.sources); },
          "The plugins and packs whose rules ran: dicts of kind, name, version (as the JSON report's plugins, packs).")
      .def_property_readonly(
          "refused", [](const Report& r) { return sources_list(r.refused); },
          "The plugins refused (their rules did not run): dicts of kind, name, version, path, reason.")
      .def_property_readonly(
          "causes",
          [](const Report& r) {
            py::list out;
            for (const auto& c : r.causes) out.append(cause_dict(c));
            return out;
          },
          "The causes two or more findings share (docs/patterns.md): dicts of rule, kind, key, severity, action,\n"
          "amount_at_stake ({currency: Decimal}) and members (fingerprints), most members first.")
      .def_property_readonly("summary", &summary_dict,
                             "Counts by severity and category, amount at stake per currency (Decimal), and totals.")
      .def_property_readonly(
          "stats",
          [](const Report& r) {
            py::list out;
            for (const auto& s : r.stats) {
              py::dict d;
              d["rule"] = s.rule;
              d["time_ns"] = static_cast<long long>(s.time.count());
              d["findings"] = s.findings;
              out.append(d);
            }
            return out;
          },
          "Per rule time and finding count, when checked with stats=True.")
      .def_property_readonly("has_internal_errors", &Report::has_internal_errors,
                             "Whether a rule failed during the check (see the 'internal' findings).")
      .def_property_readonly(
          "worst",
          [](const Report& r) -> py::object {
            auto w = r.worst();
            return w ? py::object(py::str(std::string(to_string(*w)))) : py::none();
          },
          "The most severe finding's severity, or None.")
      .def(
          "to_json",
          [](const Report& r) {
            std::ostringstream out;
            write_json(out, r);
            return out.str();
          },
          "The report as `billcheck check --format json` prints it (the same text).")
      .def(
          "to_html",
          [](const Report& r, const Book& book, const std::string& title, std::size_t max_rows,
             std::optional<std::filesystem::path> templates) {
            (void)live(book);
            HtmlOptions options;
            options.title = title;
            options.max_rows = max_rows;
            if (templates) options.templates = *templates;
            std::ostringstream out;
            write_html(out, r, book, options);
            return out.str();
          },
          py::arg("book"), py::kw_only(), py::arg("title") = "", py::arg("max_rows") = HtmlOptions{}.max_rows,
          py::arg("templates") = py::none(),
          "The report as `billcheck check --format html` writes it: one self-contained page. book: the\n"
          "Book that was checked (the page shows the flagged invoices' lines). title: what was checked.\n"
          "max_rows: findings in the table (0 = all). templates: a folder with your report.html, .css, .js.")
      .def(
          "to_csv",
          [](const Report& r) {
            std::ostringstream out;
            write_csv(out, r);
            return out.str();
          },
          "The findings as `billcheck check --format csv` prints them (the same text).")
      .def(
          "to_xlsx",
          [](const Report& r, const std::filesystem::path& path) {
            write_output(path, [&](std::ostream& out) { write_xlsx(out, r); });
          },
          py::arg("path"), "Writes the workbook `billcheck check --format xlsx` writes (Findings, Summary, Causes).")
      .def(
          "to_dataframe",
          [](py::handle self) { return py::module_::import("billcheck._frames").attr("findings_frame")(self); },
          "The findings as a pandas DataFrame, one row per finding, one column per contract field.\n"
          "amount_at_stake holds decimal.Decimal objects (never floats). Needs pandas.")
      .def("__len__", [](const Report& r) { return r.findings.size(); })
      // The findings list's own iterator: a py::make_iterator class would be one
      // more class that refuse_unconstructed, run when the module loads, never saw.
      .def("__iter__", [](py::handle self) { return py::iter(self.attr("findings")); })
      .def("__repr__", [](const Report& r) {
        return "<Report: " + std::to_string(r.findings.size()) + " findings, " + std::to_string(r.waived.size()) +
               " waived>";
      });
}

// A check a rule starts (a Python rule that calls Engine.check, explain, letter
// or fix) counts here while it runs: one that starts another without end ran
// out of C stack long before Python's recursion limit, and took the process down.
class NestedCheck {
 public:
  static constexpr int kMax = 16;
  NestedCheck() : inside_rule_(checking_book() != nullptr) {
    if (!inside_rule_) return;
    if (depth_.fetch_add(1) >= kMax) {
      depth_.fetch_sub(1);
      PyErr_SetString(PyExc_RecursionError, ("a rule's check starts checks more than " + std::to_string(kMax) +
                                             " deep; a rule must not check the book it is checking without end")
                                                .c_str());
      throw py::error_already_set();
    }
  }
  ~NestedCheck() {
    if (inside_rule_) depth_.fetch_sub(1);
  }
  NestedCheck(const NestedCheck&) = delete;
  NestedCheck& operator=(const NestedCheck&) = delete;

 private:
  static inline std::atomic<int> depth_{0};
  bool inside_rule_;
};

// Runs `work` (a check of `book`) with the GIL released. Called from Python's
// main thread outside any rule, it runs on a thread of its own while this one
// looks for signals every tenth of a second: Ctrl-C then stops the check's
// Python rules (the rest of the check is native and quick) and raises
// KeyboardInterrupt, where it was swallowed (jobs=1: a rule's "failure") or
// waited for until the check ended (the rules on worker threads).
template <class F>
auto interruptible(const Book& book, F work) -> decltype(work()) {
  static const unsigned long main_thread =
      py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  if (checking_book() != nullptr || PyThread_get_thread_ident() != main_thread) {
    py::gil_scoped_release nogil;
    return work();
  }
  std::optional<decltype(work())> result;
  std::exception_ptr error;
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false, interrupted = false;
  {
    py::gil_scoped_release nogil;
    std::thread worker([&] {
      try {
        result.emplace(work());
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard lock(mutex);
      done = true;
      finished.notify_one();
    });
    std::unique_lock lock(mutex);
    while (!finished.wait_for(lock, std::chrono::milliseconds(100), [&] { return done; })) {
      if (interrupted) continue;
      lock.unlock();
      {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {  // the KeyboardInterrupt (or a handler's error) is now set
          interrupted = true;
          interrupt_python_rules(&book, true);
        }
      }
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  if (interrupted) {
    interrupt_python_rules(&book, false);
    throw py::error_already_set();
  }
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

Config config_from(const std::optional<std::filesystem::path>& file) { return file ? load_config(*file) : Config{}; }

void bind_engine(py::module_& m) {
  py::class_<Engine>(m, "Engine",
                     "The rule engine: the bundled plugins and packs, those a billcheck.yaml names, and its\n"
                     "Python rule files, each rule configured as the file says. Build one, check many books.")
      .def(py::init([](std::optional<std::filesystem::path> config, py::object rules) {
             Config c = config_from(config);
             PendingRules pending(std::move(rules));
             return std::make_unique<Engine>(std::move(c));
           }),
           py::arg("config") = py::none(), py::arg("rules") = py::none(),
           "config: path to a billcheck.yaml, or None for every rule at its defaults.\n"
           "rules: Python rules to add (decorated functions, billcheck.Rule subclasses or instances);\n"
           "    given here, billcheck.yaml may configure them (severity, options, per client, waivers).\n\n"
           "Raises billcheck.ConfigError listing every problem with its file:line.")
      .def_static(
          "for_book",
          [](const std::filesystem::path& book, std::optional<std::filesystem::path> config) {
            return std::make_unique<Engine>(find_config(book, config.value_or(std::filesystem::path())));
          },
          py::arg("book"), py::arg("config") = py::none(),
          "The engine the billcheck command uses for the book at this path: `config`, or else the\n"
          "billcheck.yaml beside the book (in its folder, or beside a file), or else every rule at its defaults.")
      .def(
          "add_rule",
          [](Engine& e, py::object rule) {
            auto [info, factory] = python_rule(rule);
            e.add_rule(std::move(info), std::move(factory));
            return rule;
          },
          py::arg("rule"),
          "Adds a Python rule (a function decorated with @billcheck.rule, or a billcheck.Rule subclass or\n"
          "instance), configured by the engine's billcheck.yaml like any other rule. Returns the rule.\n"
          "To configure it in billcheck.yaml, pass it to Engine(config, rules=[...]) instead.")
      .def("rules", &Engine::rules, "Every rule the engine knows, enabled or not, sorted by id (list of RuleInfo).")
      .def(
          "rule", [](const Engine& e, std::string_view id) -> py::object {
            const RuleInfo* r = e.find_rule(id);
            return r ? py::cast(*r) : py::none();
          },
          py::arg("id"), "The RuleInfo of one rule, or None.")
      .def_property_readonly(
          "config_file",
          [](const Engine& e) -> py::object {
            if (e.config().file.empty()) return py::none();
            return py::str(e.config().file.string());
          },
          "The billcheck.yaml in use, or None.")
      .def(
          "check",
          [](const Engine& e, const Book& book, std::optional<unsigned> jobs, std::optional<std::string> invoice,
             bool stats, py::object today) {
            (void)live(book);
            CheckOptions o;
            o.jobs = jobs.value_or(0);
            o.collect_stats = stats;
            if (!today.is_none()) o.today = date_from_py(today, "today");
            // Native rules run in parallel without the GIL; Python rules take it per batch.
            const NestedCheck nested;
            return interruptible(book, [&] { return invoice ? e.check_invoice(book, *invoice, o) : e.check(book, o); });
          },
          py::arg("book"), py::kw_only(), py::arg("jobs") = py::none(), py::arg("invoice") = py::none(),
          py::arg("stats") = false, py::arg("today") = py::none(),
          "Runs every enabled rule over the book and returns a Report.\n\n"
          "jobs: threads (default: one per core). invoice: check only this invoice, with its lines,\n"
          "client, payments and credit notes. stats: record each rule's time in report.stats.\n"
          "today: the date waivers expire against (default: today).")
      .def(
          "explain",
          [](const Engine& e, const Book& book, std::string invoice, std::optional<std::int64_t> line,
             const std::string& format, std::optional<std::filesystem::path> templates, py::object today) {
            (void)live(book);
            auto f = parse_document_format(format);
            if (!f) throw py::value_error("format must be 'text', 'md', 'html' or 'json', not '" + format + "'");
            ExplainRequest r;
            r.invoice = std::move(invoice);
            r.line = line;
            if (templates) r.templates = *templates;
            if (!today.is_none()) r.check.today = date_from_py(today, "today");
            const NestedCheck nested;
            py::gil_scoped_release nogil;
            return explain(e, book, r, *f);
          },
          py::arg("book"), py::arg("invoice"), py::kw_only(), py::arg("line") = py::none(),
          py::arg("format") = "text", py::arg("templates") = py::none(), py::arg("today") = py::none(),
          "How an invoice (or one line) was worked out, for a client who questions it: the time entries\n"
          "behind each line, the agreed rate and its rate card row, the engagement's terms, payments and\n"
          "credit notes, and what the rules find. format: 'text', 'md', 'html' or 'json' (a str either way).\n"
          "templates: a folder of your own templates. Raises billcheck.UnknownInvoice, or LookupError for\n"
          "a line the invoice does not have.")
      .def(
          "letter",
          [](const Engine& e, const Book& book, std::string client, std::optional<std::vector<std::string>> invoices,
             const std::string& format, std::optional<std::filesystem::path> templates, py::object today) {
            (void)live(book);
            auto f = parse_document_format(format);
            if (!f || *f == DocumentFormat::json)
              throw py::value_error("format must be 'text', 'md' or 'html', not '" + format + "'");
            LetterRequest r;
            r.client = std::move(client);
            if (invoices) r.invoices = std::move(*invoices);
            if (templates) r.templates = *templates;
            if (!today.is_none()) r.check.today = date_from_py(today, "today");
            const NestedCheck nested;
            py::gil_scoped_release nogil;
            return letter(e, book, r, *f);
          },
          py::arg("book"), py::arg("client"), py::kw_only(), py::arg("invoices") = py::none(),
          py::arg("format") = "text", py::arg("templates") = py::none(), py::arg("today") = py::none(),
          "The letter to a client about the errors on their invoices (all sent ones, or `invoices`), each\n"
          "in one plain sentence, with the credit notes written for them, signed with the config's `firm:`.\n"
          "format: 'text', 'md' or 'html'. today: the letter's date (default: today). Raises LookupError\n"
          "for a client the book does not have or an invoice of another client, billcheck.UnknownInvoice.")
      .def(
          "fix",
          [](const Engine& e, const std::filesystem::path& path, py::object today, bool reissue) {
            CheckOptions o;
            if (!today.is_none()) o.today = date_from_py(today, "today");
            FixOptions fix;
            fix.reissue = reissue;
            std::optional<FixResult> result;
            {
              const NestedCheck nested;
            py::gil_scoped_release nogil;
              result.emplace(fix_book(e, read_book(path), o, fix));
            }
            py::object summary =
                py::module_::import("json").attr("loads")(fix_summary(result->summary, DocumentFormat::json));
            return py::make_tuple(owned_book(std::move(result->book)), summary,
                                  fix_summary(result->summary, DocumentFormat::text));
          },
          py::arg("book"), py::kw_only(), py::arg("today") = py::none(), py::arg("reissue") = false,
          "`billcheck fix` on the book at this path: returns (corrected Book, summary as a dict, summary as\n"
          "text). Draft invoices take every fix and are recomputed; each overcharge on an issued or paid\n"
          "invoice gets a credit note dated `today` (default: today), or with reissue=True one credit note\n"
          "for the whole invoice and a corrected replacement invoice. The files are not touched; write the\n"
          "book with `billcheck fix --out` or your own code. Raises billcheck.BookError like load_book.");

  m.def(
      "rules",
      [](std::optional<std::filesystem::path> config) { return Engine(config_from(config)).rules(); },
      py::arg("config") = py::none(),
      "Every available rule (bundled plugins and packs, plus what a billcheck.yaml adds), as RuleInfo.");
}

// pybind11 2.10 gives a method an instance whose C++ value was never
// constructed (Cls.__new__(Cls) skips __init__) by allocating raw memory for
// it through the class's type_info::operator_new (load_value in
// type_caster_base.h), and the method then ran on that memory: a crash. Each
// class gets an operator_new that raises instead. It is a plain function
// pointer, which carries no data, so there is one function per class, each
// reading its own class's message.
constexpr std::size_t kMaxClasses = 64;
std::array<std::string, kMaxClasses> g_unconstructed_messages;

template <std::size_t I>
void* refuse_value(std::size_t) {
  throw py::type_error(g_unconstructed_messages[I]);
}

template <std::size_t... I>
constexpr std::array<void* (*)(std::size_t), sizeof...(I)> value_refusers(std::index_sequence<I...>) {
  return {&refuse_value<I>...};
}

}  // namespace

std::string unconstructed_message(py::handle cls) {
  const std::string name = py::str(cls.attr("__name__"));
  // pybind11 binds a constructor as an instance method; a class without one
  // has CPython's slot wrapper of pybind11's own __init__, which refuses.
  const py::dict members = cls.attr("__dict__");
  const bool constructible = members.contains("__init__") && PyInstanceMethod_Check(members["__init__"].ptr());
  return "this " + name + " was never initialised: it was made by " + name + ".__new__(" + name +
         "), which does not run " + name + ".__init__; " +
         (constructible ? "create one with " + name + "(...)"
                        : "use one billcheck gives you (" + name + " has no constructor)");
}

void refuse_unconstructed(py::module_& m) {
  static constexpr auto refusers = value_refusers(std::make_index_sequence<kMaxClasses>());
  const auto* metaclass = reinterpret_cast<PyObject*>(py::detail::get_internals().default_metaclass);
  std::size_t next = 0;
  for (auto [name, value] : py::dict(m.attr("__dict__"))) {
    if (reinterpret_cast<PyObject*>(Py_TYPE(value.ptr())) != metaclass) continue;  // not a class pybind11 bound
    py::detail::type_info* info = py::detail::get_type_info(reinterpret_cast<PyTypeObject*>(value.ptr()));
    if (!info) continue;
    if (next == kMaxClasses) throw std::logic_error("refuse_unconstructed: more than kMaxClasses classes; raise it");
    g_unconstructed_messages[next] = unconstructed_message(value);
    info->operator_new = refusers[next++];
  }
}

void bind_sdk(py::module_& m) {
  m.doc() = "billcheck's C++ core; import the `billcheck` package instead.";
  m.attr("__version__") = BILLCHECK_SDK_VERSION;
  bind_errors(m);
  bind_entities(m);
  bind_rule_support(m);
  bind_rule_info(m);
  bind_report(m);
  bind_engine(m);
  m.def("set_log_verbosity", &set_log_verbosity, py::arg("level"),
        "Log output on standard error: -1 nothing, 0 warnings and errors (default), 1 info, 2 debug.");
  m.def(
      "format_hours", [](py::handle hours) { return format_hours(decimal_from_py(hours, "hours")); }, py::arg("hours"),
      "Hours as every billcheck message writes them: format_hours(Decimal('10.50')) == '10.5 h',\n"
      "format_hours(Decimal('12.0')) == '12 h'. Python's own Decimal text keeps trailing zeros.");
}

}  // namespace billcheck::python
