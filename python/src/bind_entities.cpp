// The book's records as read-only Python objects, wrapping the C++ records in
// place (no copies): money and quantities as decimal.Decimal, dates as
// datetime.date, absent values as None, plus links between records
// (`line.invoice`, `invoice.lines`, `line.agreed_rate`).
#include "bind_sdk.hpp"
#include "convert.hpp"

#include <billcheck/load.hpp>

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

namespace billcheck::python {
namespace {

std::mutex g_books_mutex;
std::vector<const Book*> g_books;
thread_local const Book* t_checking = nullptr;

template <class T>
std::span<const T> records_of(const Book& b);
template <>
std::span<const Client> records_of(const Book& b) { return b.clients(); }
template <>
std::span<const Timekeeper> records_of(const Book& b) { return b.timekeepers(); }
template <>
std::span<const Engagement> records_of(const Book& b) { return b.engagements(); }
template <>
std::span<const Rate> records_of(const Book& b) { return b.rates(); }
template <>
std::span<const TimeEntry> records_of(const Book& b) { return b.time_entries(); }
template <>
std::span<const Invoice> records_of(const Book& b) { return b.invoices(); }
template <>
std::span<const InvoiceLine> records_of(const Book& b) { return b.lines(); }
template <>
std::span<const Payment> records_of(const Book& b) { return b.payments(); }
template <>
std::span<const CreditNote> records_of(const Book& b) { return b.credit_notes(); }

template <class T>
bool holds(const Book* book, const T& record) {
  if (!book) return false;
  auto s = records_of<T>(*book);
  std::less<const T*> less;
  return !s.empty() && !less(&record, s.data()) && less(&record, s.data() + s.size());
}

// Values of record fields.
py::object value(const std::string& s) { return text_or_none(s); }
py::object value(Decimal d) { return to_py(d); }
py::object value(const std::optional<Decimal>& d) { return to_py(d); }
py::object value(Date d) { return to_py(d); }
py::object value(const std::optional<Date>& d) { return to_py(d); }
py::object value(bool b) { return py::bool_(b); }
py::object value(const std::optional<bool>& b) { return b ? py::object(py::bool_(*b)) : py::none(); }
py::object value(std::int64_t i) { return py::int_(i); }
py::object value(const std::optional<std::int64_t>& i) { return i ? py::object(py::int_(*i)) : py::none(); }

template <class T>
std::vector<const T*> pointers(std::span<const T> records) {
  std::vector<const T*> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(&r);
  return out;
}
template <class T>
std::vector<const T*> pointers(std::span<const T* const> records) {
  return {records.begin(), records.end()};
}

// A record attribute as a plain CPython getset descriptor: rules read
// attributes once per record, and pybind11's general-purpose property dispatch
// costs several times the conversion itself. Entity classes are final, so the
// descriptor's own type check guarantees `self` wraps a T.
template <class T>
struct Getter {
  std::function<py::object(const T&, py::handle self)> get;
};

template <class T>
PyObject* get_attribute(PyObject* self, void* closure) noexcept {
  try {
    auto* inst = reinterpret_cast<py::detail::instance*>(self);
    const T& record = *static_cast<const T*>(inst->get_value_and_holder().value_ptr());
    return static_cast<const Getter<T>*>(closure)->get(record, self).release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const py::builtin_exception& e) {
    e.set_error();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

// One entity class: its contract fields (listed in `_fields`, for to_dict and
// DataFrames) and its links to other records.
template <class T>
class EntityClass {
 public:
  EntityClass(py::module_& m, const char* name, const char* doc) : cls_(m, name, doc, py::is_final()) {}

  template <class M>
  EntityClass& field(const char* name, M T::*member, const char* doc) {
    attribute(name, doc, [member](const T& r, py::handle) { return value(r.*member); });
    fields_.append(name);
    return *this;
  }
  /// An amount, written with the decimals of the currency `currency_of(record)` returns.
  template <class M>
  EntityClass& money(const char* name, M T::*member, std::string_view (*currency_of)(const T&), const char* doc) {
    attribute(name, doc, [member, currency_of](const T& r, py::handle) { return money_to_py(r.*member, currency_of(r)); });
    fields_.append(name);
    return *this;
  }
  /// A link to other records (a record, None, or a list); what it returns keeps `self`
  /// (and so the book) alive.
  template <class F>
  EntityClass& link(const char* name, F get, const char* doc) {
    attribute(name, doc, [get](const T& r, py::handle self) -> py::object {
      if constexpr (std::is_same_v<decltype(get(r)), py::object>)
        return get(r);
      else
        return py::cast(get(r), py::return_value_policy::reference_internal, self);
    });
    return *this;
  }

  /// `repr` describes the record, e.g. `<InvoiceLine HR-115#3>`.
  py::class_<T>& finish(std::string (*repr)(const T&)) {
    cls_.attr("_fields") = py::tuple(fields_);
    cls_.def_property_readonly(
        "extra",
        [](const T& r) {
          py::dict d;
          for (const auto& [k, v] : r.extra.values) d[py::str(k)] = py::str(v);
          return d;
        },
        "Columns the book-format contract does not name, as {column: text}.");
    cls_.def_property_readonly(
        "location",
        [](const T& r) -> py::object {
          if (r.source.file.empty()) return py::none();
          return py::str(std::string(r.source.file) + ":" + std::to_string(r.source.line));
        },
        "Where the record was read, as 'file:line' (None for records not read from a file).");
    cls_.def(
        "to_dict",
        [](py::handle self) {
          py::dict d;
          for (auto name : self.attr("_fields")) d[name] = self.attr(name);
          return d;
        },
        "The record's contract fields as a dict (for DataFrames: pandas.DataFrame(r.to_dict() for r in ...)).");
    cls_.def("__repr__", repr);
    // Two wrappers of the same record are equal, whichever way they were reached.
    cls_.def(
        "__eq__", [](const T& a, const T& b) { return &a == &b; }, py::is_operator());
    cls_.def("__hash__", [](const T& r) { return std::hash<const T*>{}(&r); });
    return cls_;
  }

 private:
  void attribute(const char* name, const char* doc, std::function<py::object(const T&, py::handle)> get) {
    // Both live as long as the class, that is, the process.
    auto* getter = new Getter<T>{std::move(get)};
    auto* def = new PyGetSetDef{name, &get_attribute<T>, nullptr, doc, getter};
    auto descriptor = py::reinterpret_steal<py::object>(PyDescr_NewGetSet(reinterpret_cast<PyTypeObject*>(cls_.ptr()), def));
    if (!descriptor) throw py::error_already_set();
    cls_.attr(name) = descriptor;
  }

  py::class_<T> cls_;
  py::list fields_;
};

const Client* client_by_id(const Book& b, const std::string& id) { return id.empty() ? nullptr : b.client(id); }
const Engagement* engagement_by_id(const Book& b, const std::string& id) {
  return id.empty() ? nullptr : b.engagement(id);
}
const Invoice* invoice_by_id(const Book& b, const std::string& id) { return id.empty() ? nullptr : b.invoice(id); }
const Timekeeper* timekeeper_by_id(const Book& b, const std::string& id) {
  return id.empty() ? nullptr : b.timekeeper(id);
}

// The currency each record's amounts are in.
std::string_view currency_of_client(const Client& c) { return c.currency; }
std::string_view currency_of_engagement(const Engagement& e) {
  const Client* c = client_by_id(book_of(e), e.client_id);
  return c ? std::string_view(c->currency) : std::string_view();
}
std::string_view currency_of_rate(const Rate& r) {
  const Engagement* e = engagement_by_id(book_of(r), r.engagement_id);
  return e ? currency_of_engagement(*e) : std::string_view();
}
std::string_view currency_of_invoice(const Invoice& i) { return i.currency; }
std::string_view currency_of_line(const InvoiceLine& l) { return book_of(l).invoice_of(l).currency; }
std::string_view currency_of_payment(const Payment& p) { return p.currency; }
std::string_view currency_of_note(const CreditNote& n) {
  const Book& b = book_of(n);
  if (const Invoice* i = invoice_by_id(b, n.invoice_id)) return i->currency;
  const Client* c = client_by_id(b, n.client_id);
  return c ? std::string_view(c->currency) : std::string_view();
}

// A Book loaded from Python: unregisters itself when Python drops it.
std::shared_ptr<Book> owned_book(Book book) {
  auto* p = new Book(std::move(book));
  register_book(p);
  return std::shared_ptr<Book>(p, [](Book* b) {
    unregister_book(b);
    delete b;
  });
}

}  // namespace

template <class Record>
const Book& book_of(const Record& record) {
  if (holds(t_checking, record)) return *t_checking;
  std::lock_guard lock(g_books_mutex);
  for (const Book* b : g_books)
    if (holds(b, record)) return *b;
  throw std::runtime_error(
      "this record's book is no longer loaded (a record handed to a rule is valid only during that check)");
}
template const Book& book_of(const Client&);
template const Book& book_of(const Timekeeper&);
template const Book& book_of(const Engagement&);
template const Book& book_of(const Rate&);
template const Book& book_of(const TimeEntry&);
template const Book& book_of(const Invoice&);
template const Book& book_of(const InvoiceLine&);
template const Book& book_of(const Payment&);
template const Book& book_of(const CreditNote&);

void register_book(const Book* book) {
  std::lock_guard lock(g_books_mutex);
  g_books.push_back(book);
}
void unregister_book(const Book* book) {
  std::lock_guard lock(g_books_mutex);
  std::erase(g_books, book);
}
void set_checking_book(const Book* book) { t_checking = book; }
const Book* checking_book() { return t_checking; }

void bind_entities(py::module_& m) {
  EntityClass<Client>(m, "Client", "A client (clients.csv).")
      .field("id", &Client::id, "client_id")
      .field("name", &Client::name, "The client's name.")
      .field("billing_entity", &Client::billing_entity, "The entity invoices are addressed to, or None.")
      .field("billing_address", &Client::billing_address, "Billing address, or None.")
      .field("billing_email", &Client::billing_email, "Billing e-mail, or None.")
      .field("tax_id", &Client::tax_id, "Tax id, or None.")
      .field("country", &Client::country, "Country, or None.")
      .field("currency", &Client::currency, "ISO 4217 currency code.")
      .field("payment_terms_days", &Client::payment_terms_days, "Payment terms in days (int), or None.")
      .money("credit_limit", &Client::credit_limit, currency_of_client, "Credit limit (Decimal), or None.")
      .field("credit_hold", &Client::credit_hold, "Whether the client is on credit hold (bool), or None.")
      .field("last_verified", &Client::last_verified, "When the client's details were last verified (date), or None.")
      .link("invoices", [](const Client& c) { const Book& b = book_of(c); return pointers(b.invoices_of_client(c.id)); },
            "The client's invoices, by issue date.")
      .link("payments", [](const Client& c) { const Book& b = book_of(c); return pointers(b.payments_of_client(c.id)); },
            "The client's payments.")
      .link("credit_notes",
            [](const Client& c) { const Book& b = book_of(c); return pointers(b.credit_notes_of_client(c.id)); },
            "The client's credit notes.")
      .link("engagements",
            [](const Client& c) {
              std::vector<const Engagement*> out;
              for (const auto& e : book_of(c).engagements())
                if (e.client_id == c.id) out.push_back(&e);
              return out;
            },
            "The client's engagements.")
      .finish([](const Client& c) { return "<Client " + c.id + ">"; });

  EntityClass<Timekeeper>(m, "Timekeeper", "A timekeeper (timekeepers.csv).")
      .field("id", &Timekeeper::id, "timekeeper_id")
      .field("name", &Timekeeper::name, "The timekeeper's name.")
      .field("role", &Timekeeper::role, "partner, associate, paralegal, ...")
      .field("active_from", &Timekeeper::active_from, "First active day (date), or None.")
      .field("active_to", &Timekeeper::active_to, "Last active day (date), or None.")
      .finish([](const Timekeeper& t) { return "<Timekeeper " + t.id + " " + t.name + ">"; });

  EntityClass<Engagement>(m, "Engagement", "An engagement (engagements.csv): a matter billed to a client.")
      .field("id", &Engagement::id, "engagement_id")
      .field("client_id", &Engagement::client_id, "The client's id.")
      .field("name", &Engagement::name, "Name, or None.")
      .field("billing_entity", &Engagement::billing_entity, "Billing entity, or None.")
      .field("billing_cycle", &Engagement::billing_cycle, "monthly, quarterly, milestone, or None.")
      .field("invoice_within_days", &Engagement::invoice_within_days, "Days after the period to invoice within, or None.")
      .field("discount_pct", &Engagement::discount_pct, "Agreed discount in percent (Decimal), or None.")
      .money("fee_cap", &Engagement::fee_cap, currency_of_engagement, "Fee cap (Decimal), or None.")
      .field("start_date", &Engagement::start_date, "Start (date), or None.")
      .field("end_date", &Engagement::end_date, "End (date), or None.")
      .link("client", [](const Engagement& e) { return client_by_id(book_of(e), e.client_id); },
            "The Client, or None when the book has no such client.")
      .link("invoices",
            [](const Engagement& e) { const Book& b = book_of(e); return pointers(b.invoices_of_engagement(e.id)); },
            "The engagement's invoices, by issue date.")
      .link("rates",
            [](const Engagement& e) {
              std::vector<const Rate*> out;
              for (const auto& r : book_of(e).rates())
                if (r.engagement_id == e.id) out.push_back(&r);
              return out;
            },
            "The engagement's rate card rows.")
      .finish([](const Engagement& e) { return "<Engagement " + e.id + ">"; });

  EntityClass<Rate>(m, "Rate", "A rate card row (rates.csv): for one timekeeper, or for a role.")
      .field("engagement_id", &Rate::engagement_id, "The engagement's id.")
      .field("timekeeper_id", &Rate::timekeeper_id, "The timekeeper's id, or None for a role row.")
      .field("role", &Rate::role, "The role, or None.")
      .money("rate", &Rate::rate, currency_of_rate, "The agreed hourly rate (Decimal).")
      .field("effective_from", &Rate::effective_from, "First day the rate applies (date).")
      .field("effective_to", &Rate::effective_to, "Last day the rate applies (date), or None (open).")
      .link("engagement", [](const Rate& r) { return engagement_by_id(book_of(r), r.engagement_id); }, "The Engagement.")
      .link("timekeeper", [](const Rate& r) { return timekeeper_by_id(book_of(r), r.timekeeper_id); },
            "The Timekeeper, or None for a role row.")
      .finish([](const Rate& r) {
        return "<Rate " + r.engagement_id + " " + (r.timekeeper_id.empty() ? r.role : r.timekeeper_id) + " " +
               r.rate.to_string() + " from " + r.effective_from.to_string() + ">";
      });

  EntityClass<TimeEntry>(m, "TimeEntry", "Recorded time (time_entries.csv).")
      .field("id", &TimeEntry::id, "entry_id")
      .field("engagement_id", &TimeEntry::engagement_id, "The engagement's id.")
      .field("timekeeper_id", &TimeEntry::timekeeper_id, "The timekeeper's id.")
      .field("date", &TimeEntry::date, "The day worked (date).")
      .field("hours", &TimeEntry::hours, "Hours (Decimal).")
      .field("billable", &TimeEntry::billable, "Whether the time is billable (bool).")
      .field("task_code", &TimeEntry::task_code, "UTBMS task code, or None.")
      .field("activity_code", &TimeEntry::activity_code, "UTBMS activity code, or None.")
      .field("description", &TimeEntry::description, "Narrative, or None.")
      .link("engagement", [](const TimeEntry& t) { return engagement_by_id(book_of(t), t.engagement_id); },
            "The Engagement, or None.")
      .link("timekeeper", [](const TimeEntry& t) { return timekeeper_by_id(book_of(t), t.timekeeper_id); },
            "The Timekeeper, or None.")
      .finish([](const TimeEntry& t) { return "<TimeEntry " + t.id + ">"; });

  EntityClass<Invoice>(m, "Invoice", "An invoice (invoices.csv).")
      .field("id", &Invoice::id, "invoice_id (the invoice number)")
      .field("client_id", &Invoice::client_id, "The client's id.")
      .field("engagement_id", &Invoice::engagement_id, "The engagement's id, or None.")
      .field("issue_date", &Invoice::issue_date, "Issue date (date).")
      .field("period_start", &Invoice::period_start, "First day billed (date), or None.")
      .field("period_end", &Invoice::period_end, "Last day billed (date), or None.")
      .field("due_date", &Invoice::due_date, "Due date (date), or None.")
      .field("currency", &Invoice::currency, "ISO 4217 currency code.")
      .money("discount", &Invoice::discount, currency_of_invoice, "Discount (Decimal), or None.")
      .field("tax_rate", &Invoice::tax_rate, "Tax rate in percent (Decimal), or None.")
      .money("tax", &Invoice::tax, currency_of_invoice, "Tax (Decimal), or None.")
      .money("total", &Invoice::total, currency_of_invoice, "The invoice total (Decimal).")
      .field("status", &Invoice::status, "draft, issued, paid, void, or None.")
      .link("client", [](const Invoice& i) { return client_by_id(book_of(i), i.client_id); },
            "The Client, or None when the book has no such client.")
      .link("engagement", [](const Invoice& i) { return engagement_by_id(book_of(i), i.engagement_id); },
            "The Engagement, or None.")
      .link("lines", [](const Invoice& i) { const Book& b = book_of(i); return pointers(b.lines_of(i)); },
            "The invoice's lines, by line_no.")
      .link("payments", [](const Invoice& i) { const Book& b = book_of(i); return pointers(b.payments_of_invoice(i.id)); },
            "Payments applied to this invoice.")
      .link("credit_notes",
            [](const Invoice& i) { const Book& b = book_of(i); return pointers(b.credit_notes_of_invoice(i.id)); },
            "Credit notes against this invoice.")
      .finish([](const Invoice& i) { return "<Invoice " + i.id + " " + i.currency + " " + i.total.to_string() + ">"; });

  EntityClass<InvoiceLine>(m, "InvoiceLine", "An invoice line (invoice_lines.csv).")
      .field("invoice_id", &InvoiceLine::invoice_id, "The invoice's number.")
      .field("line_no", &InvoiceLine::line_no, "The line number (int).")
      .field("type", &InvoiceLine::type, "fee, expense or adjustment.")
      .field("date", &InvoiceLine::date, "The day of the work (date), or None.")
      .field("timekeeper_id", &InvoiceLine::timekeeper_id, "The timekeeper's id, or None.")
      .field("entry_id", &InvoiceLine::entry_id, "The time entry's id, or None.")
      .field("task_code", &InvoiceLine::task_code, "UTBMS task code, or None.")
      .field("activity_code", &InvoiceLine::activity_code, "UTBMS activity code, or None.")
      .field("expense_code", &InvoiceLine::expense_code, "UTBMS expense code, or None.")
      .field("description", &InvoiceLine::description, "Narrative, or None.")
      .field("quantity", &InvoiceLine::quantity, "Hours or units (Decimal).")
      .money("rate", &InvoiceLine::rate, currency_of_line, "The rate billed (Decimal).")
      .money("adjustment", &InvoiceLine::adjustment, currency_of_line, "Adjustment (Decimal), or None.")
      .money("amount", &InvoiceLine::amount, currency_of_line, "The amount billed (Decimal).")
      .link("invoice", [](const InvoiceLine& l) { return &book_of(l).invoice_of(l); }, "The Invoice.")
      .link("client", [](const InvoiceLine& l) { const Book& b = book_of(l); return client_by_id(b, b.invoice_of(l).client_id); },
            "The invoice's Client, or None.")
      .link("engagement",
            [](const InvoiceLine& l) { const Book& b = book_of(l); return engagement_by_id(b, b.invoice_of(l).engagement_id); },
            "The invoice's Engagement, or None.")
      .link("timekeeper", [](const InvoiceLine& l) { return timekeeper_by_id(book_of(l), l.timekeeper_id); },
            "The Timekeeper, or None.")
      .link("entry", [](const InvoiceLine& l) { return l.entry_id.empty() ? nullptr : book_of(l).time_entry(l.entry_id); },
            "The TimeEntry the line bills, or None.")
      .link("agreed_rate",
            [](const InvoiceLine& l) -> py::object {
              const Rate* r = book_of(l).agreed_rate(l);
              return r ? money_to_py(r->rate, currency_of_line(l)) : py::none();
            },
            "The agreed hourly rate for this line (Decimal) from the engagement's rate card, for the line's "
            "timekeeper (else role) on the line's date; None when no row applies.")
      .link("agreed_rate_row", [](const InvoiceLine& l) { return book_of(l).agreed_rate(l); },
            "The rate card Rate row behind agreed_rate, or None.")
      .finish([](const InvoiceLine& l) { return "<InvoiceLine " + l.invoice_id + "#" + std::to_string(l.line_no) + ">"; });

  EntityClass<Payment>(m, "Payment", "A payment (payments.csv).")
      .field("id", &Payment::id, "payment_id")
      .field("client_id", &Payment::client_id, "The client's id.")
      .field("invoice_id", &Payment::invoice_id, "The invoice it is applied to, or None.")
      .field("date", &Payment::date, "Date received (date).")
      .money("amount", &Payment::amount, currency_of_payment, "Amount (Decimal).")
      .field("currency", &Payment::currency, "ISO 4217 currency code.")
      .field("reference", &Payment::reference, "Bank reference, or None.")
      .link("client", [](const Payment& p) { return client_by_id(book_of(p), p.client_id); }, "The Client, or None.")
      .link("invoice", [](const Payment& p) { return invoice_by_id(book_of(p), p.invoice_id); }, "The Invoice, or None.")
      .finish([](const Payment& p) { return "<Payment " + p.id + " " + p.currency + " " + p.amount.to_string() + ">"; });

  EntityClass<CreditNote>(m, "CreditNote", "A credit note (credit_notes.csv).")
      .field("id", &CreditNote::id, "credit_note_id")
      .field("client_id", &CreditNote::client_id, "The client's id.")
      .field("invoice_id", &CreditNote::invoice_id, "The invoice it credits, or None.")
      .field("date", &CreditNote::date, "Date (date).")
      .money("amount", &CreditNote::amount, currency_of_note, "Amount (Decimal).")
      .field("reason", &CreditNote::reason, "Reason, or None.")
      .field("approved_by", &CreditNote::approved_by, "Approver, or None.")
      .link("client", [](const CreditNote& n) { return client_by_id(book_of(n), n.client_id); }, "The Client, or None.")
      .link("invoice", [](const CreditNote& n) { return invoice_by_id(book_of(n), n.invoice_id); }, "The Invoice, or None.")
      .finish([](const CreditNote& n) { return "<CreditNote " + n.id + " " + n.amount.to_string() + ">"; });

  constexpr auto ref = py::return_value_policy::reference_internal;
  py::class_<Book, std::shared_ptr<Book>>(
      m, "Book",
      "A billing book: every record of one export, read-only. Load one with billcheck.load_book(path).\n\n"
      "Records are views into the book and keep it alive.")
      .def_property_readonly("clients", [](const Book& b) { return pointers(b.clients()); }, "Every Client, by id.")
      .def_property_readonly("timekeepers", [](const Book& b) { return pointers(b.timekeepers()); }, "Every Timekeeper.")
      .def_property_readonly("engagements", [](const Book& b) { return pointers(b.engagements()); }, "Every Engagement.")
      .def_property_readonly("rates", [](const Book& b) { return pointers(b.rates()); }, "Every rate card Rate row.")
      .def_property_readonly("time_entries", [](const Book& b) { return pointers(b.time_entries()); }, "Every TimeEntry.")
      .def_property_readonly("invoices", [](const Book& b) { return pointers(b.invoices()); }, "Every Invoice, by invoice number.")
      .def_property_readonly("lines", [](const Book& b) { return pointers(b.lines()); },
                             "Every InvoiceLine, grouped by invoice (in invoice order), by line_no within one.")
      .def_property_readonly("payments", [](const Book& b) { return pointers(b.payments()); }, "Every Payment.")
      .def_property_readonly("credit_notes", [](const Book& b) { return pointers(b.credit_notes()); }, "Every CreditNote.")
      .def("invoice", [](const Book& b, std::string_view id) { return b.invoice(id); }, py::arg("id"), ref,
           "The Invoice with this number, or None (the first one when the number repeats).")
      .def("invoices_numbered", [](const Book& b, std::string_view id) { return pointers(b.invoices_numbered(id)); },
           py::arg("id"), ref, "Every Invoice with this number (more than one is a duplicate number).")
      .def("client", [](const Book& b, std::string_view id) { return b.client(id); }, py::arg("id"), ref,
           "The Client with this id, or None.")
      .def("timekeeper", [](const Book& b, std::string_view id) { return b.timekeeper(id); }, py::arg("id"), ref,
           "The Timekeeper with this id, or None.")
      .def("engagement", [](const Book& b, std::string_view id) { return b.engagement(id); }, py::arg("id"), ref,
           "The Engagement with this id, or None.")
      .def("time_entry", [](const Book& b, std::string_view id) { return b.time_entry(id); }, py::arg("id"), ref,
           "The TimeEntry with this id, or None.")
      .def("payment", [](const Book& b, std::string_view id) { return b.payment(id); }, py::arg("id"), ref,
           "The Payment with this id, or None.")
      .def("__repr__", [](const Book& b) {
        return "<Book: " + std::to_string(b.clients().size()) + " clients, " + std::to_string(b.invoices().size()) +
               " invoices, " + std::to_string(b.lines().size()) + " lines>";
      });

  m.def(
      "load_book",
      [](const std::filesystem::path& path) {
        Book book = [&] {
          py::gil_scoped_release nogil;
          return billcheck::load_book(path);
        }();
        return owned_book(std::move(book));
      },
      py::arg("path"),
      "Reads a book: a directory of CSV files, a .json file, or '-' for JSON on standard input.\n\n"
      "Raises billcheck.BookError when the book does not load; its .messages lists every\n"
      "problem as 'file:line: column 'name': what is wrong'.");
  m.def(
      "book_from_json",
      [](std::string_view text, const std::string& name) {
        Book book = [&] {
          py::gil_scoped_release nogil;
          return Book(read_json_text(text, name));
        }();
        return owned_book(std::move(book));
      },
      py::arg("text"), py::arg("name") = "<json>",
      "Reads a book from JSON text (the contract's JSON form); `name` is used in error messages.\n\n"
      "Raises billcheck.BookError like load_book.");
}

}  // namespace billcheck::python
