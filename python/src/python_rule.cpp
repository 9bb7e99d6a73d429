#include "python_rule.hpp"

#include "bind_sdk.hpp"

#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <type_traits>
#include <utility>
#include <vector>

namespace billcheck::python {
namespace {

// ---- the GIL, held once per batch -------------------------------------------------
// The engine calls begin_batch() on every instance of a rule (one per client
// variant) and end_batch() in the same order, so the GIL is held by depth, not
// by instance.
thread_local int t_batch_depth = 0;
thread_local PyGILState_STATE t_batch_state;

void enter_batch() {
  if (t_batch_depth++ == 0) t_batch_state = PyGILState_Ensure();
}
void leave_batch() {
  if (--t_batch_depth == 0) PyGILState_Release(t_batch_state);
}

// The book the records handed to Python belong to, for the duration of one call.
class CheckingBook {
 public:
  explicit CheckingBook(const Book* book) : previous_(checking_book()) { set_checking_book(book); }
  ~CheckingBook() { set_checking_book(previous_); }
  CheckingBook(const CheckingBook&) = delete;
  CheckingBook& operator=(const CheckingBook&) = delete;

 private:
  const Book* previous_;
};

thread_local py::object* t_pending = nullptr;
PyTypeObject* g_draft_type = nullptr;  // billcheck.FindingDraft, set by bind_rule_support

std::string type_name(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

// ---- from Python values to report text --------------------------------------------

/// A str as UTF-8; a ValueError naming `what` for one that has none (a lone surrogate such as '\udcff').
std::string utf8_of(py::handle s, const std::string& what) {
  Py_ssize_t size = 0;
  const char* bytes = PyUnicode_AsUTF8AndSize(s.ptr(), &size);
  if (!bytes) {
    PyErr_Clear();
    throw py::value_error(what + ": the text holds a character UTF-8 cannot write (a lone surrogate); "
                                 "decode its bytes with errors='replace'");
  }
  return std::string(bytes, static_cast<std::size_t>(size));
}

ReportValue report_value(py::handle v, const std::string& what) {
  if (PyUnicode_Check(v.ptr())) return utf8_of(v, what);
  if (v.is_none()) return std::string();
  if (PyBool_Check(v.ptr())) return std::string(v.ptr() == Py_True ? "true" : "false");
  if (PyLong_Check(v.ptr())) return py::str(v).cast<std::string>();
  if (is_date(v)) return date_from_py(v, what).to_string();
  if (PyFloat_Check(v.ptr()) || is_decimal(v)) return decimal_from_py(v, what);  // float: TypeError
  throw py::type_error(what + ": expected str, decimal.Decimal, int, bool, datetime.date or None, not " + type_name(v));
}

std::string text_of(const ReportValue& v, const std::string& currency) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  const Decimal d = std::get<Decimal>(v);
  return currency.empty() ? d.to_string() : format_amount(d, currency);
}

py::object value_to_py(const ReportValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return py::str(*s);
  return to_py(std::get<Decimal>(v));
}

FindingDraft make_draft(std::string message, py::handle at_stake, py::handle evidence, py::handle fix, py::handle about,
                        py::handle severity, py::handle key) {
  FindingDraft d;
  d.message = std::move(message);
  if (!at_stake.is_none()) d.at_stake = decimal_from_py(at_stake, "at_stake");
  if (!evidence.is_none()) {
    if (!PyDict_Check(evidence.ptr())) throw py::type_error("evidence: expected a dict {name: value}, not " + type_name(evidence));
    for (auto [k, v] : evidence.cast<py::dict>()) {
      if (!PyUnicode_Check(k.ptr())) throw py::type_error("evidence: names must be str, not " + type_name(k));
      std::string name = utf8_of(k, "evidence");
      d.evidence.emplace_back(name, report_value(v, "evidence['" + name + "']"));
    }
  }
  if (!fix.is_none()) {
    py::object field, current, suggested;
    if (PyDict_Check(fix.ptr())) {
      py::dict f = fix.cast<py::dict>();
      if (!f.contains("field") || !f.contains("suggested"))
        throw py::value_error("fix: a dict needs 'field', 'current' and 'suggested'");
      field = f["field"];
      current = f.contains("current") ? py::object(f["current"]) : py::object(py::none());
      suggested = f["suggested"];
    } else if ((PyTuple_Check(fix.ptr()) || PyList_Check(fix.ptr())) && py::len(fix) == 3) {
      field = fix[py::int_(0)];
      current = fix[py::int_(1)];
      suggested = fix[py::int_(2)];
    } else {
      throw py::type_error("fix: expected (field, current, suggested), not " + type_name(fix));
    }
    if (!PyUnicode_Check(field.ptr())) throw py::type_error("fix: the field name must be a str, not " + type_name(field));
    d.fix.emplace(utf8_of(field, "fix"),
                  std::pair{report_value(current, "fix current"), report_value(suggested, "fix suggested")});
  }
  if (!severity.is_none()) {
    if (!PyUnicode_Check(severity.ptr()))
      throw py::type_error("severity: expected 'error', 'warning' or 'info', not " + type_name(severity));
    const std::string text = utf8_of(severity, "severity");
    auto s = parse_severity(text);
    if (!s) throw py::value_error("severity: expected 'error', 'warning' or 'info', not '" + text + "'");
    d.severity = s;
  }
  if (!key.is_none()) d.key = utf8_of(py::str(key), "key");
  d.about = py::reinterpret_borrow<py::object>(about);
  return d;
}

// ---- from a draft to a finding -----------------------------------------------------
template <class T>
bool report_if(Context& ctx, py::handle about, const std::string& message, Finding*& out) {
  if (!py::isinstance<T>(about)) return false;
  const T& record = about.cast<const T&>();
  if (&book_of(record) != &ctx.book()) throw py::value_error("about: the record is from another book");
  out = &ctx.report(record, message);
  return true;
}

Finding& report_about(Context& ctx, py::handle about, const std::string& message) {
  Finding* f = nullptr;
  if (report_if<InvoiceLine>(ctx, about, message, f) || report_if<Invoice>(ctx, about, message, f) ||
      report_if<Client>(ctx, about, message, f) || report_if<Engagement>(ctx, about, message, f) ||
      report_if<Payment>(ctx, about, message, f) || report_if<CreditNote>(ctx, about, message, f) ||
      report_if<TimeEntry>(ctx, about, message, f))
    return *f;
  if (py::isinstance<Book>(about)) return ctx.report(message);
  throw py::type_error("about: expected a record of the book (InvoiceLine, Invoice, Client, Engagement, Payment, "
                       "CreditNote, TimeEntry) or the Book, not " + type_name(about));
}

template <class Record>
void report_draft(const FindingDraft& d, const Record& record, Context& ctx) {
  Finding* f = nullptr;
  if (!d.about.is_none()) {
    f = &report_about(ctx, d.about, d.message);
  } else if constexpr (std::is_same_v<Record, Book>) {
    f = &ctx.report(d.message);
  } else {
    f = &ctx.report(record, d.message);
  }
  if (d.at_stake) f->at_stake(*d.at_stake);
  for (const auto& [name, v] : d.evidence) {
    if (const auto* s = std::get_if<std::string>(&v))
      f->evidence_of(name, *s);
    else
      f->evidence_of(name, std::get<Decimal>(v));
  }
  if (d.fix) f->suggest(d.fix->first, text_of(d.fix->second.first, f->currency), text_of(d.fix->second.second, f->currency));
  if (d.severity) f->with_severity(*d.severity);
  if (!d.key.empty()) f->key(d.key);
}

// ---- the rule -----------------------------------------------------------------------
struct Callable {
  SharedObject fn;   // check(record, ctx)
  SharedObject ctx;  // the RuleContext handed to every call
  std::string id;
  std::string file;   // where the rule is written, to locate its errors
  std::string where;  // file:line of its definition
};

template <class Record>
void emit(const Callable& c, py::handle result, const Record& record, Context& ctx) {
  if (Py_TYPE(result.ptr()) == g_draft_type) {
    report_draft(result.cast<const FindingDraft&>(), record, ctx);
    return;
  }
  auto it = py::reinterpret_steal<py::object>(PyObject_GetIter(result.ptr()));
  if (!it) {
    PyErr_Clear();
    throw py::type_error("rule " + c.id + " returned a " + type_name(result) +
                         "; return or yield ctx.finding(...), or return nothing");
  }
  while (PyObject* raw = PyIter_Next(it.ptr())) {
    auto item = py::reinterpret_steal<py::object>(raw);
    if (item.is_none()) continue;
    if (Py_TYPE(raw) != g_draft_type)
      throw py::type_error("rule " + c.id + " yielded a " + type_name(item) + "; yield ctx.finding(...)");
    report_draft(item.cast<const FindingDraft&>(), record, ctx);
  }
  if (PyErr_Occurred()) throw py::error_already_set();
}

// The Python object for a record: a view of it, owned by the engine's book for
// the length of the check (py::cast(&record, reference), minus the type
// look-up). When the rule kept no reference to the view of the previous record
// (the usual case), that view is re-pointed instead of freed and made again:
// allocation is most of what a call costs beyond Python itself. The spare is
// unregistered while it waits: pybind11 hands out the registered object of a
// record, and `book.lines` after the check must not get one that does not keep
// its book alive. A view the rule kept keeps the book alive, when a Python
// object owns the book (otherwise reading it after the check is an error).
template <class Record>
class RecordViews {
 public:
  RecordViews() = default;
  RecordViews(const RecordViews&) = delete;
  RecordViews& operator=(const RecordViews&) = delete;
  ~RecordViews() {
    if (spare_ && Py_IsInitialized() && !_Py_IsFinalizing()) {
      Gil gil;
      Py_DECREF(spare_);
    }
  }

  /// The GIL must be held.
  py::object view(const Record& record) {
    static const py::detail::type_info* type = py::detail::get_type_info(typeid(Record), /*throw_if_missing=*/true);
    void* value = const_cast<Record*>(&record);
    if (PyObject* spare = std::exchange(spare_, nullptr)) {
      auto* inst = reinterpret_cast<py::detail::instance*>(spare);
      inst->simple_value_holder[0] = value;
      py::detail::register_instance(inst, value, type);
      return py::reinterpret_steal<py::object>(spare);
    }
    return py::reinterpret_steal<py::object>(py::detail::type_caster_generic::cast(
        value, py::return_value_policy::reference, py::handle(), type, nullptr, nullptr, nullptr));
  }

  /// Keeps `view` for the next record, unregistered, when nothing else holds it;
  /// otherwise ties it to `book`'s Python object. The GIL must be held.
  void recycle(py::object view, const Book& book) {
    static const py::detail::type_info* type = py::detail::get_type_info(typeid(Record), /*throw_if_missing=*/true);
    auto* inst = reinterpret_cast<py::detail::instance*>(view.ptr());
    if (!spare_ && Py_REFCNT(view.ptr()) == 1 && inst->simple_layout && !inst->weakrefs && !inst->has_patients) {
      py::detail::deregister_instance(inst, inst->simple_value_holder[0], type);
      inst->simple_value_holder[0] = nullptr;
      spare_ = view.release().ptr();
      return;
    }
    static const py::detail::type_info* book_type = py::detail::get_type_info(typeid(Book), true);
    if (py::handle owner = py::detail::get_object_handle(&book, book_type)) py::detail::keep_alive_impl(view, owner);
  }

 private:
  PyObject* spare_ = nullptr;
};

// The Book is one object: nothing to recycle.
template <>
class RecordViews<Book> {
 public:
  py::object view(const Book& book) { return py::cast(&book, py::return_value_policy::reference); }
  void recycle(py::object, const Book&) {}
};

// The engine walks the book's records in order, and a Python call is long
// enough to hide a memory fetch: ask for the next record now, so that the
// rule's first attribute read does not wait for it. (A prefetch never faults,
// even past the last record.)
template <class Record>
void prefetch_next(const Record& record) {
  if constexpr (!std::is_same_v<Record, Book>) {
    const char* next = reinterpret_cast<const char*>(&record + 1);
    for (std::size_t offset = 0; offset < sizeof(Record); offset += 64) __builtin_prefetch(next + offset);
  }
}

// One call of the Python function; a Python error becomes the exception the
// engine turns into an `internal` finding: "Type: message (file.py:LINE)".
std::atomic<int> g_interrupted_count{0};
std::mutex g_interrupted_mutex;
std::vector<const Book*> g_interrupted;

bool interrupted(const Book* book) {
  if (g_interrupted_count.load(std::memory_order_relaxed) == 0) return false;
  std::lock_guard lock(g_interrupted_mutex);
  return std::find(g_interrupted.begin(), g_interrupted.end(), book) != g_interrupted.end();
}

template <class Record>
void run(const Callable& c, RecordViews<Record>& views, const Record& record, Context& ctx) {
  if (interrupted(&ctx.book())) return;  // Ctrl-C: the caller raises KeyboardInterrupt when the check returns
  std::optional<Gil> gil;
  if (!PyGILState_Check()) gil.emplace();  // called outside a batch: take the GIL for this call
  prefetch_next(record);
  try {
    CheckingBook scope(&ctx.book());
    py::object rec = views.view(record);
    PyObject* args[2] = {rec.ptr(), c.ctx.get()};
    auto result = py::reinterpret_steal<py::object>(PyObject_Vectorcall(c.fn.get(), args, 2, nullptr));
    if (!result) throw py::error_already_set();
    if (!result.is_none()) emit(c, result, record, ctx);
    result = py::object();  // a generator holds the record until it is gone
    views.recycle(std::move(rec), ctx.book());
  } catch (py::error_already_set& e) {
    throw std::runtime_error(describe_exception(e, c.file, c.where));
  } catch (const py::builtin_exception& e) {
    e.set_error();
    py::error_already_set err;
    throw std::runtime_error(describe_exception(err, c.file, c.where));
  }
}

template <class Base, class Record>
class PythonRule final : public Base {
 public:
  explicit PythonRule(Callable c) : c_(std::move(c)) {}
  void begin_batch() const override { enter_batch(); }
  void end_batch() const override { leave_batch(); }
  void check(const Record& record, Context& ctx) const override { run(c_, views_, record, ctx); }

 private:
  Callable c_;
  // Used under the GIL only; check() is const for the engine, the views are a cache.
  mutable RecordViews<Record> views_;
};

std::unique_ptr<Rule> make_rule(Scope scope, Callable c) {
  switch (scope) {
    case Scope::line: return std::make_unique<PythonRule<LineRule, InvoiceLine>>(std::move(c));
    case Scope::invoice: return std::make_unique<PythonRule<InvoiceRule, Invoice>>(std::move(c));
    case Scope::client: return std::make_unique<PythonRule<ClientRule, Client>>(std::move(c));
    case Scope::payment: return std::make_unique<PythonRule<PaymentRule, Payment>>(std::move(c));
    case Scope::credit_note: return std::make_unique<PythonRule<CreditNoteRule, CreditNote>>(std::move(c));
    case Scope::book: return std::make_unique<PythonRule<BookRule, Book>>(std::move(c));
  }
  throw std::logic_error("unknown scope");
}

OptionType option_type(const std::string& name) {
  for (OptionType t : {OptionType::boolean, OptionType::integer, OptionType::decimal, OptionType::string,
                       OptionType::string_list, OptionType::decimal_map}) {
    std::string n(to_string(t));
    if (t == OptionType::string_list) n = "string_list";
    if (t == OptionType::decimal_map) n = "decimal_map";
    if (n == name) return t;
  }
  throw py::value_error("unknown option type '" + name + "'");
}

// `file:line: Type: message` for an error while running a rule file.
std::string load_error(const py::error_already_set& e, const std::string& file) {
  const std::string type = py::str(e.type().attr("__name__")).cast<std::string>();
  if (e.matches(PyExc_SyntaxError)) {
    py::object v = e.value();
    std::string where = display_path(v.attr("filename").is_none() ? file : py::str(v.attr("filename")).cast<std::string>());
    if (!v.attr("lineno").is_none()) where += ":" + py::str(v.attr("lineno")).cast<std::string>();
    return where + ": " + type + ": " + py::str(v.attr("msg")).cast<std::string>();
  }
  if (e.matches(PyExc_OSError) && !e.value().attr("strerror").is_none())
    return display_path(file) + ": cannot read the rule file: " + py::str(e.value().attr("strerror")).cast<std::string>();
  const std::string message = py::str(e.value()).cast<std::string>();
  if (int line = traceback_line(e, file))
    return display_path(file) + ":" + std::to_string(line) + ": " + type + (message.empty() ? "" : ": " + message);
  return display_path(file) + ": " + describe_exception(e, file);
}

void add_rules(Registry& registry, py::handle rules) {
  for (auto r : rules) {
    auto [info, factory] = python_rule(r);
    registry.add_rule(std::move(info), std::move(factory));
  }
}

}  // namespace

std::pair<RuleInfo, RuleFactory> python_rule(py::handle rule) {
  py::tuple described = py::module_::import("billcheck._rules").attr("describe")(rule);
  py::dict d = described[0];
  RuleInfo info;
  info.id = d["id"].cast<std::string>();
  info.title = d["title"].cast<std::string>();
  info.category = d["category"].cast<std::string>();
  info.description = d["description"].cast<std::string>();
  info.origin = d["origin"].cast<std::string>();
  auto severity = parse_severity(d["severity"].cast<std::string>());
  auto scope = parse_scope(d["scope"].cast<std::string>());
  auto reach = parse_reach(d["reach"].cast<std::string>());
  if (!severity || !scope || !reach) throw py::value_error("rule " + info.id + ": bad severity, scope or reach");
  info.severity = *severity;
  info.scope = *scope;
  info.reach = *reach;
  info.single_threaded = true;
  for (auto o : d["options"]) {
    py::tuple t = py::reinterpret_borrow<py::tuple>(o);
    info.options.push_back({t[0].cast<std::string>(), option_type(t[1].cast<std::string>()), t[2].cast<std::string>(),
                            t[3].cast<std::string>()});
  }
  SharedObject make(described[1]);
  Callable base{{}, {}, info.id, d["file"].cast<std::string>(), d["where"].cast<std::string>()};
  RuleFactory factory = [make, base, scope = *scope](const Options& options) -> std::unique_ptr<Rule> {
    Gil gil;
    try {
      py::dict opts = options_to_py(options);
      Callable c = base;
      c.fn = SharedObject(make.handle()(opts));
      c.ctx = SharedObject(py::cast(RuleContext(opts, base.id)));
      return make_rule(scope, std::move(c));
    } catch (py::error_already_set& e) {
      throw std::runtime_error(describe_exception(e, base.file, base.where));
    }
  };
  return {std::move(info), std::move(factory)};
}

void load_rule_files(const std::vector<std::filesystem::path>& files, Registry& registry,
                     std::vector<std::string>& errors) {
  if (files.empty() && !t_pending) return;
  Gil gil;
  try {
    py::object run_rule_file = py::module_::import("billcheck._loader").attr("run_rule_file");
    for (const auto& file : files) {
      const std::string name = file.string();
      try {
        py::list rules = run_rule_file(name);
        if (rules.empty())
          registry.log().warn(display_path(name) +
                              ": defines no rules (decorate a function with @billcheck.rule or subclass billcheck.Rule)");
        add_rules(registry, rules);
      } catch (py::error_already_set& e) {
        errors.push_back(load_error(e, name));
      }
    }
    if (t_pending) {
      try {
        add_rules(registry, *t_pending);
      } catch (py::error_already_set& e) {
        errors.push_back("billcheck.Engine(rules=...): " + describe_exception(e, ""));
      }
    }
  } catch (py::error_already_set& e) {
    errors.push_back("python: " + describe_exception(e, ""));
  } catch (const std::exception& e) {
    errors.push_back(std::string("python: ") + e.what());
  }
}

PendingRules::PendingRules(py::object rules) : rules_(std::move(rules)), previous_(t_pending) {
  t_pending = rules_.is_none() ? nullptr : &rules_;
}
PendingRules::~PendingRules() { t_pending = previous_; }

void bind_rule_support(py::module_& m) {
  auto draft = py::class_<FindingDraft>(
      m, "FindingDraft",
      "A finding a Python rule returns or yields, made by ctx.finding(...); the engine fills in\n"
      "the rule, category, severity, the record's keys and currency, and the fingerprint.",
      py::is_final());
  draft.def_readonly("message", &FindingDraft::message, "The sentence a client could read.")
      .def_property_readonly("at_stake", [](const FindingDraft& d) { return to_py(d.at_stake); },
                             "Amount at stake (Decimal), or None.")
      .def_property_readonly(
          "evidence",
          [](const FindingDraft& d) {
            py::dict out;
            for (const auto& [k, v] : d.evidence) out[py::str(k)] = value_to_py(v);
            return out;
          },
          "{name: value}: str, or Decimal for amounts.")
      .def_property_readonly(
          "fix",
          [](const FindingDraft& d) -> py::object {
            if (!d.fix) return py::none();
            return py::make_tuple(d.fix->first, value_to_py(d.fix->second.first), value_to_py(d.fix->second.second));
          },
          "(field, current, suggested), or None.")
      .def_property_readonly("severity",
                             [](const FindingDraft& d) -> py::object {
                               return d.severity ? py::object(py::str(std::string(to_string(*d.severity)))) : py::none();
                             },
                             "A severity overriding the rule's, or None.")
      .def_readonly("key", &FindingDraft::key, "Tells apart several findings of the rule about one record.")
      .def_readonly("about", &FindingDraft::about, "The record the finding is about, or None for the record checked.")
      .def("__repr__", [](const FindingDraft& d) { return "<FindingDraft " + py::repr(py::str(d.message)).cast<std::string>() + ">"; });
  g_draft_type = reinterpret_cast<PyTypeObject*>(draft.ptr());

  py::class_<RuleContext>(
      m, "Context",
      "What a Python rule receives beside the record: ctx.options (the rule's options, defaults\n"
      "overridden by billcheck.yaml), ctx.book, and ctx.finding(...) to make a finding.\n\n"
      "Context(options={...}) builds one for testing a rule function directly.")
      .def(py::init([](py::object options, std::string rule) {
             return RuleContext(options.is_none() ? py::dict() : py::dict(options), std::move(rule));
           }),
           py::arg("options") = py::none(), py::arg("rule") = "python.rule")
      .def_property_readonly("options", &RuleContext::options, "The rule's options: {name: value}.")
      .def_property_readonly("rule", &RuleContext::rule_id, "The rule's id.")
      .def_property_readonly(
          "book",
          [](const RuleContext&) -> py::object {
            const Book* b = checking_book();
            return b ? py::cast(b, py::return_value_policy::reference) : py::none();
          },
          "The Book being checked (None outside a check).")
      .def(
          "finding",
          [](const RuleContext&, std::string message, py::object at_stake, py::object evidence, py::object fix,
             py::object about, py::object severity, py::object key) {
            return make_draft(std::move(message), at_stake, evidence, fix, about, severity, key);
          },
          py::arg("message"), py::arg("at_stake") = py::none(), py::arg("evidence") = py::none(),
          py::arg("fix") = py::none(), py::kw_only(), py::arg("about") = py::none(), py::arg("severity") = py::none(),
          py::arg("key") = py::none(),
          "A finding about the record being checked; return or yield it.\n\n"
          "message: a plain sentence a client could read.\n"
          "at_stake: the amount at stake in the invoice currency (positive = the client is overcharged),\n"
          "    as decimal.Decimal, int or str. A float raises TypeError: money stays exact.\n"
          "evidence: {name: value}, e.g. {'expected': Decimal('1155.00'), 'actual': line.amount};\n"
          "    Decimals are written with the currency's decimals.\n"
          "fix: (field, current, suggested), when there is one right value.\n"
          "about: another record the finding is about (default: the record checked).\n"
          "severity: 'error', 'warning' or 'info', overriding the rule's for this finding.\n"
          "key: tells apart several findings of this rule about one record (keeps fingerprints stable).");
}

void interrupt_python_rules(const Book* book, bool on) {
  std::lock_guard lock(g_interrupted_mutex);
  if (on) {
    g_interrupted.push_back(book);
    g_interrupted_count.fetch_add(1);
  } else if (auto it = std::find(g_interrupted.begin(), g_interrupted.end(), book); it != g_interrupted.end()) {
    g_interrupted.erase(it);
    g_interrupted_count.fetch_sub(1);
  }
}

}  // namespace billcheck::python
