// billcheck.Store's C++ half: the record's operations, each answering with the
// JSON the CLI prints; python/billcheck/_store.py turns that into dicts with
// decimal.Decimal amounts and pandas DataFrames.
#include "bind_store.hpp"
#include "bind_sdk.hpp"

#include <billcheck/remedies.hpp>
#include <billcheck/store.hpp>

#include <pybind11/functional.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <regex>

namespace billcheck::python {
namespace {

std::string json_list(const auto& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? "," : "") + to_json(item);
  return out + "]";
}

std::optional<RemedyRecord> remedy_from(const std::optional<std::string>& kind, const std::string& id,
                                        const std::string& amount,
                                        const std::vector<std::pair<std::string, std::string>>& instalments) {
  if (!kind) return std::nullopt;
  RemedyRecord r{*kind, id, amount, "", {}};
  for (const auto& [a, due] : instalments) r.instalments.push_back({static_cast<int>(r.instalments.size()) + 1, a, due, ""});
  return r;
}

// The store's messages say what to give in the CLI's words (`--reason TEXT`,
// `billcheck findings --store FILE`); a Python user is told the parameter of
// billcheck.Store to pass, or the method to call, instead.
std::string python_words(std::string message) {
  static const std::pair<std::regex, std::string> kWords[] = {
      {std::regex("`billcheck findings --store [^`]*`"), "Store.findings()"},
      {std::regex("`billcheck dispute list --store [^`]*`"), "Store.disputes()"},
      {std::regex("`billcheck check BOOK --store [^`]*` creates it"), "Store(path) without read_only=True creates it"},
      {std::regex(R"(\(--remedy KIND --remedy-id ID --amount AMOUNT\))"), "(remedy=KIND, remedy_id=ID, amount=AMOUNT)"},
      {std::regex(R"(\(--remedy KIND\))"), "(remedy=KIND)"},
      {std::regex(R"(\(--reason TEXT\))"), "(reason=TEXT)"},
      {std::regex(R"(\(--instalment AMOUNT@YYYY-MM-DD, one for each\))"),
       "(instalments=[(AMOUNT, \"YYYY-MM-DD\"), ...], one for each)"},
      {std::regex(R"(\(--explanation TEXT, or --explain with the book\))"), "(explanation=TEXT)"},
      {std::regex(R"(\(--text\) or a file \(--attach\))"), "(text=TEXT) or a file (attach=PATH)"},
      {std::regex(R"(\(--invoice ID\))"), "(invoice=ID)"},
      {std::regex(R"(\(--says "\.\.\."\))"), "(says=TEXT)"},
      {std::regex("give --from and --to as YYYY-MM-DD"), "give from_date and to_date as YYYY-MM-DD"},
  };
  for (const auto& [cli, python] : kWords) message = std::regex_replace(message, cli, python);
  return message;
}

}  // namespace

void bind_store(py::module_& m) {
  static py::exception<StoreError> store_error(m, "StoreError", PyExc_ValueError);
  static py::exception<InvalidMove> invalid_move(m, "InvalidMove", store_error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const InvalidMove& e) {
      invalid_move(python_words(e.what()).c_str());
    } catch (const StoreError& e) {
      store_error(python_words(e.what()).c_str());
    }
  });

  py::class_<Store>(m, "_Store")
      .def(py::init([](const std::filesystem::path& path, const std::string& actor, std::optional<std::string> now,
                       bool read_only) {
             StoreOptions o;
             o.actor = actor;
             if (now) o.clock = [fixed = *now] { return fixed; };
             o.read_only = read_only;
             return std::make_unique<Store>(path, o);
           }),
           py::arg("path"), py::arg("actor") = "", py::arg("now") = py::none(), py::arg("read_only") = false)
      .def_property_readonly("path", [](const Store& s) { return s.path().string(); })
      .def_property_readonly("actor", &Store::actor)
      .def_property_readonly("schema_version", &Store::schema_version)
      .def("record",
           [](Store& s, Report& report, const Book& book, const std::string& book_path, const std::string& invoice,
              const std::string& config) {
             (void)live(book);
             // With the book's path, the run records its digest and the config's, as check --store does.
             RunInfo info = book_path.empty() ? RunInfo{} : run_info(book_path, config);
             info.invoice = invoice;
             return to_json(s.record_run(report, book, info));
           })
      .def("runs", [](const Store& s) { return json_list(s.runs()); })
      .def("findings",
           [](const Store& s, std::vector<std::string> status, std::string client, std::string invoice, std::string rule) {
             return json_list(s.findings({std::move(status), std::move(client), std::move(invoice), std::move(rule)}));
           })
      .def("finding", [](const Store& s, const std::string& fp) { return to_json(s.finding(fp)); })
      .def("move_finding",
           [](Store& s, const std::string& fp, const std::string& action, const std::string& note,
              std::optional<std::string> kind, const std::string& id, const std::string& amount,
              const std::vector<std::pair<std::string, std::string>>& instalments, const std::string& reason,
              const std::string& approved_by, const std::string& expires) {
             FindingMove move{action, note, remedy_from(kind, id, amount, instalments), reason, approved_by, expires};
             return to_json(s.move_finding(fp, move));
           })
      .def("open_dispute",
           [](Store& s, const Engine& engine, const Book& book, const std::string& invoice, const std::string& line,
              const std::string& reason, const std::string& says, const std::string& received) {
             const Invoice* inv = live(book).invoice(invoice);
             if (!inv) throw UnknownInvoice(invoice);
             check_disputed_line(book, invoice, line);
             // As Engine.check: native rules run without the GIL, Python rules take it per batch
             // (held here, a Python rule's batch waited for it for ever).
             Report report = [&] {
               py::gil_scoped_release nogil;
               return engine.check_invoice(book, invoice);
             }();
             const auto confirming = confirming_findings(report, invoice, line, reason);
             const auto& d = engine.config().disputes;
             return to_json(s.open_dispute(
                 {invoice, line, inv->client_id, reason, says, received, d.respond_within_days, d.reason_codes}, confirming));
           })
      .def("dispute", [](const Store& s, std::int64_t id) { return to_json(s.dispute(id)); })
      .def("disputes", [](const Store& s, const std::string& state) { return json_list(s.disputes(state)); })
      .def("move_dispute",
           [](Store& s, std::int64_t id, const std::string& action, const std::string& note, const std::string& explanation,
              std::optional<std::string> kind, const std::string& rid, const std::string& amount,
              const std::vector<std::pair<std::string, std::string>>& instalments) {
             return to_json(s.move_dispute(id, {action, note, explanation, remedy_from(kind, rid, amount, instalments)}));
           })
      .def("add_note",
           [](Store& s, std::int64_t id, const std::string& channel, const std::string& direction, const std::string& text,
              const std::string& attach, bool keep) {
             const DisputeNote n = s.add_note(id, {channel, direction, text, attach, keep});
             return n.id;
           })
      .def("pay_instalment",
           [](Store& s, std::int64_t id, int number, const std::string& date) {
             return to_json(s.pay_instalment(id, number, date));
           })
      .def("overdue", [](const Store& s, const std::string& today) { return to_json(s.overdue(today)); })
      .def("trends", [](const Store& s, const std::string& from,
                        const std::string& to) { return to_json(s.trends({from, to})); })
      .def("events",
           [](const Store& s, std::int64_t dispute, const std::string& invoice) {
             return json_list(s.events({dispute, invoice}));
           })
      .def(
          "verify",
          [](const Store& s, const std::string& anchor) {
            const AuditResult r = s.verify(anchor);
            py::dict d;
            d["intact"] = r.intact;
            d["events"] = r.events;
            d["broken"] = r.broken ? py::cast(r.broken) : py::none();
            d["problem"] = r.problem;
            d["head"] = r.head.empty() ? py::none() : py::cast(r.head);
            return d;
          },
          py::arg("anchor") = "");
}

}  // namespace billcheck::python
