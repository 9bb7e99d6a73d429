// The book's records as read-only Python objects, wrapping the C++ records in
// place (no copies): money and quantities as decimal.Decimal, dates as
// datetime.date, absent values as None, plus links between records
// (`line.invoice`, `invoice.lines`, `line.agreed_rate`).
#include "bind_sdk.hpp"
#include "convert.hpp"
#include "schema/schema.hpp"

#include <billcheck/load.hpp>

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <stdexcept>
#include <vector>

namespace billcheck::python {
namespace {

std::mutex g_books_mutex;
std::vector<const Book*> g_books;
/// Bumped when a book goes: a thread's cached `t_live` is trusted only within one generation.
std::atomic<std::uint64_t> g_generation{0};
thread_local const Book* t_checking = nullptr;
thread_local const Book* t_live = nullptr;
thread_local std::uint64_t t_live_generation = ~std::uint64_t{0};

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
py::object value(Text s) { return text_or_none(s); }
py::object value(Decimal d) { return to_py(d); }
py::object value(const std::optional<Decimal>& d) { return to_py(d); }
py::object value(Date d) { return to_py(d); }
py::object value(const std::optional<Date>& d) { return to_py(d); }
py::object value(bool b) { return py::bool_(b); }
py::object value(const std::optional<bool>& b) { return b ? py::object(py::bool_(*b)) : py::none(); }
py::object value(std::int32_t i) { return py::int_(i); }
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

/// A copy of `text` that lives as long as the process (for CPython's descriptor tables).
const char* lasting(const std::string& text) {
  static std::mutex mutex;
  static std::deque<std::string> texts;
  std::lock_guard lock(mutex);
  return texts.emplace_back(text).c_str();
}

/// A column's docstring: the schema's doc, with the Python type, the allowed values,
/// the column's name where the attribute's differs, and whether it may be None.
template <auto M>
std::string attribute_doc(const schema::Column<M>& column) {
  using V = typename schema::Column<M>::value_type;
  std::string doc(column.doc);
  if (!doc.empty() && doc[0] >= 'a' && doc[0] <= 'z') doc[0] = static_cast<char>(doc[0] - 'a' + 'A');
  for (std::size_t i = 0; i < column.choices.size(); ++i) {
    doc += i == 0 ? ": " : i + 1 == column.choices.size() ? " or " : ", ";
    doc += column.choices[i];
  }
  if constexpr (std::is_same_v<V, Decimal>) doc += " (Decimal)";
  else if constexpr (std::is_same_v<V, Date>) doc += " (date)";
  else if constexpr (std::is_same_v<V, std::int64_t> || std::is_same_v<V, std::int32_t>) doc += " (int)";
  else if constexpr (std::is_same_v<V, bool>) doc += " (bool)";
  if (column.field() != column.name) doc += " (column " + std::string(column.name) + ")";
  if (column.may_be_absent()) doc += ", or None";
  return doc + ".";
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
    const auto* value = static_cast<const T*>(inst->get_value_and_holder().value_ptr());
    if (!value) throw py::type_error(unconstructed_message(py::type::handle_of(py::handle(self))));
    const T& record = *value;
    (void)book_of(record);  // a record whose book is gone is an error, never a read of freed memory
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

  /// The entity's columns, from the schema: amounts are written with the decimals
  /// of the currency `currency_of(record)` returns (nullptr: the entity has no amounts).
  EntityClass& columns(std::string_view (*currency_of)(const T&) = nullptr) {
    schema::for_each_column(schema::columns_of<T>(), [&](const auto& column) { add_column(column, currency_of); });
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
          (void)book_of(r);
          py::dict d;
          for (const auto& [k, v] : r.extra.values) d[py::str(k)] = py::str(v);
          return d;
        },
        "Columns the book-format contract does not name, as {column: text}.");
    cls_.def_property_readonly(
        "location",
        [](const T& r) -> py::object {
          const Text file = book_of(r).file_of(r.source);
          if (file.empty()) return py::none();
          return py::str(std::string(file) + ":" + std::to_string(r.source.line));
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
    cls_.def("__repr__", [repr](const T& r) {
      (void)book_of(r);
      return repr(r);
    });
    // Two wrappers of the same record are equal, whichever way they were reached.
    cls_.def(
        "__eq__", [](const T& a, const T& b) { return &a == &b; }, py::is_operator());
    cls_.def("__hash__", [](const T& r) { return std::hash<const T*>{}(&r); });
    return cls_;
  }

 private:
  template <auto M>
  void add_column(const schema::Column<M>& column, std::string_view (*currency_of)(const T&)) {
    const std::string name(column.field());
    fields_.append(name);
    if constexpr (std::is_same_v<typename schema::Column<M>::value_type, Decimal>) {
      if (column.is_money) {
        if (!currency_of) throw std::logic_error(name + " is money, but its class was given no currency");
        attribute(name, attribute_doc(column),
                  [currency_of](const T& r, py::handle) { return money_to_py(r.*M, currency_of(r)); });
        return;
      }
    }
    attribute(name, attribute_doc(column), [](const T& r, py::handle) { return value(r.*M); });
  }

  void attribute(const std::string& name, const std::string& doc,
                 std::function<py::object(const T&, py::handle)> get) {
    // The getter, the definition and its texts live as long as the class, that is, the process.
    auto* getter = new Getter<T>{std::move(get)};
    auto* def = new PyGetSetDef{lasting(name), &get_attribute<T>, nullptr, lasting(doc), getter};
    auto descriptor = py::reinterpret_steal<py::object>(PyDescr_NewGetSet(reinterpret_cast<PyTypeObject*>(cls_.ptr()), def));
    if (!descriptor) throw py::error_already_set();
    cls_.attr(name.c_str()) = descriptor;
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

}  // namespace

template <class Record>
const Book& book_of(const Record& record) {
  if (holds(t_checking, record)) return *t_checking;
  // The book of the last record read on this thread, while no book has gone since.
  if (t_live_generation == g_generation.load(std::memory_order_acquire) && holds(t_live, record)) return *t_live;
  std::lock_guard lock(g_books_mutex);
  for (const Book* b : g_books) {
    if (!holds(b, record)) continue;
    t_live = b;
    t_live_generation = g_generation.load(std::memory_order_relaxed);
    return *b;
  }
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

const Book& live(const Book& book) {
  if (&book == t_checking) return book;
  std::lock_guard lock(g_books_mutex);
  if (std::find(g_books.begin(), g_books.end(), &book) != g_books.end()) return book;
  throw std::runtime_error("this book is no longer loaded (a book handed to a rule is valid only during that check)");
}

void register_book(const Book* book) {
  std::lock_guard lock(g_books_mutex);
  g_books.push_back(book);
}
void unregister_book(const Book* book) {
  std::lock_guard lock(g_books_mutex);
  std::erase(g_books, book);
  g_generation.fetch_add(1, std::memory_order_acq_rel);
}
void set_checking_book(const Book* book) { t_checking = book; }
const Book* checking_book() { return t_checking; }

namespace {

// One function per class: its columns come from the schema, its links and
// repr are its own.

void bind_client(py::module_& m) {
  EntityClass<Client>(m, "Client", "A client (clients.csv).")
      .columns(currency_of_client)
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
}

void bind_timekeeper(py::module_& m) {
  EntityClass<Timekeeper>(m, "Timekeeper", "A timekeeper (timekeepers.csv).")
      .columns()
      .finish([](const Timekeeper& t) { return "<Timekeeper " + t.id + " " + t.name + ">"; });
}

void bind_engagement(py::module_& m) {
  EntityClass<Engagement>(m, "Engagement", "An engagement (engagements.csv): a matter billed to a client.")
      .columns(currency_of_engagement)
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
}

void bind_rate(py::module_& m) {
  EntityClass<Rate>(m, "Rate", "A rate card row (rates.csv): for one timekeeper, or for a role.")
      .columns(currency_of_rate)
      .link("engagement", [](const Rate& r) { return engagement_by_id(book_of(r), r.engagement_id); }, "The Engagement.")
      .link("timekeeper", [](const Rate& r) { return timekeeper_by_id(book_of(r), r.timekeeper_id); },
            "The Timekeeper, or None for a role row.")
      .finish([](const Rate& r) {
        return "<Rate " + r.engagement_id + " " + (r.timekeeper_id.empty() ? r.role : r.timekeeper_id) + " " +
               r.rate.to_string() + " from " + r.effective_from.to_string() + ">";
      });
}

void bind_time_entry(py::module_& m) {
  EntityClass<TimeEntry>(m, "TimeEntry", "Recorded time (time_entries.csv).")
      .columns()
      .link("engagement", [](const TimeEntry& t) { return engagement_by_id(book_of(t), t.engagement_id); },
            "The Engagement, or None.")
      .link("timekeeper", [](const TimeEntry& t) { return timekeeper_by_id(book_of(t), t.timekeeper_id); },
            "The Timekeeper, or None.")
      .finish([](const TimeEntry& t) { return "<TimeEntry " + t.id + ">"; });
}

void bind_invoice(py::module_& m) {
  EntityClass<Invoice>(m, "Invoice", "An invoice (invoices.csv).")
      .columns(currency_of_invoice)
      .link("client", [](const Invoice& i) { return client_by_id(book_of(i), i.client_id); },
            "The Client, or None when the book has no such client.")
      .link("engagement", [](const Invoice& i) { return engagement_by_id(book_of(i), i.engagement_id); },
            "The Engagement, or None.")
      .link("lines", [](const Invoice& i) { const Book& b = book_of(i); return pointers(b.lines_of(i)); },
            "The invoice's lines, by line_no.")
      .link("payments", [](const Invoice& i) { const Book& b = book_of(i); return pointers(b.payments_of(i)); },
            "Payments applied to this invoice.")
      .link("credit_notes",
            [](const Invoice& i) { const Book& b = book_of(i); return pointers(b.credit_notes_of(i)); },
            "Credit notes against this invoice.")
      .finish([](const Invoice& i) { return "<Invoice " + i.id + " " + i.currency + " " + format_amount(i.total, i.currency) + ">"; });
}

void bind_invoice_line(py::module_& m) {
  EntityClass<InvoiceLine>(m, "InvoiceLine", "An invoice line (invoice_lines.csv).")
      .columns(currency_of_line)
      .link("invoice", [](const InvoiceLine& l) { return &book_of(l).invoice_of(l); }, "The Invoice.")
      .link("client", [](const InvoiceLine& l) { const Book& b = book_of(l); return client_by_id(b, b.invoice_of(l).client_id); },
            "The invoice's Client, or None.")
      .link("engagement",
            [](const InvoiceLine& l) { const Book& b = book_of(l); return engagement_by_id(b, b.invoice_of(l).engagement_id); },
            "The invoice's Engagement, or None.")
      .link("timekeeper", [](const InvoiceLine& l) { return book_of(l).timekeeper_of(l); },
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
}

void bind_payment(py::module_& m) {
  EntityClass<Payment>(m, "Payment", "A payment (payments.csv).")
      .columns(currency_of_payment)
      .link("client", [](const Payment& p) { return client_by_id(book_of(p), p.client_id); }, "The Client, or None.")
      .link("invoice", [](const Payment& p) { return invoice_by_id(book_of(p), p.invoice_id); }, "The Invoice, or None.")
      .finish([](const Payment& p) { return "<Payment " + p.id + " " + p.currency + " " + format_amount(p.amount, p.currency) + ">"; });
}

void bind_credit_note(py::module_& m) {
  EntityClass<CreditNote>(m, "CreditNote", "A credit note (credit_notes.csv).")
      .columns(currency_of_note)
      .link("client", [](const CreditNote& n) { return client_by_id(book_of(n), n.client_id); }, "The Client, or None.")
      .link("invoice", [](const CreditNote& n) { return invoice_by_id(book_of(n), n.invoice_id); }, "The Invoice, or None.")
      .finish([](const CreditNote& n) { return "<CreditNote " + n.id + " " + n.amount.to_string() + ">"; });
}

void bind_book(py::module_& m) {
  constexpr auto ref = py::return_value_policy::reference_internal;
  py::class_<Book, std::shared_ptr<Book>>(
      m, "Book",
      "A billing book: every record of one export, read-only. Load one with billcheck.load_book(path).\n\n"
      "Records are views into the book and keep it alive.")
      .def_property_readonly("clients", [](const Book& b) { return pointers(live(b).clients()); }, "Every Client, by id.")
      .def_property_readonly("timekeepers", [](const Book& b) { return pointers(live(b).timekeepers()); }, "Every Timekeeper.")
      .def_property_readonly("engagements", [](const Book& b) { return pointers(live(b).engagements()); }, "Every Engagement.")
      .def_property_readonly("rates", [](const Book& b) { return pointers(live(b).rates()); }, "Every rate card Rate row.")
      .def_property_readonly("time_entries", [](const Book& b) { return pointers(live(b).time_entries()); }, "Every TimeEntry.")
      .def_property_readonly("invoices", [](const Book& b) { return pointers(live(b).invoices()); }, "Every Invoice, by invoice number.")
      .def_property_readonly("lines", [](const Book& b) { return pointers(live(b).lines()); },
                             "Every InvoiceLine, grouped by invoice (in invoice order), by line_no within one.")
      .def_property_readonly("payments", [](const Book& b) { return pointers(live(b).payments()); }, "Every Payment.")
      .def_property_readonly("credit_notes", [](const Book& b) { return pointers(live(b).credit_notes()); }, "Every CreditNote.")
      .def("invoice", [](const Book& b, std::string_view id) { return live(b).invoice(id); }, py::arg("id"), ref,
           "The Invoice with this number, or None (the first one when the number repeats).")
      .def("invoices_numbered", [](const Book& b, std::string_view id) { return pointers(live(b).invoices_numbered(id)); },
           py::arg("id"), ref, "Every Invoice with this number (more than one is a duplicate number).")
      .def("client", [](const Book& b, std::string_view id) { return live(b).client(id); }, py::arg("id"), ref,
           "The Client with this id, or None.")
      .def("timekeeper", [](const Book& b, std::string_view id) { return live(b).timekeeper(id); }, py::arg("id"), ref,
           "The Timekeeper with this id, or None.")
      .def("engagement", [](const Book& b, std::string_view id) { return live(b).engagement(id); }, py::arg("id"), ref,
           "The Engagement with this id, or None.")
      .def("time_entry", [](const Book& b, std::string_view id) { return live(b).time_entry(id); }, py::arg("id"), ref,
           "The TimeEntry with this id, or None.")
      .def("payment", [](const Book& b, std::string_view id) { return live(b).payment(id); }, py::arg("id"), ref,
           "The Payment with this id, or None.")
      .def("__repr__", [](const Book& b) {
        (void)live(b);
        return "<Book: " + std::to_string(b.clients().size()) + " clients, " + std::to_string(b.invoices().size()) +
               " invoices, " + std::to_string(b.lines().size()) + " lines>";
      });
}

void bind_loading(py::module_& m) {
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

}  // namespace

void bind_entities(py::module_& m) {
  bind_client(m);
  bind_timekeeper(m);
  bind_engagement(m);
  bind_rate(m);
  bind_time_entry(m);
  bind_invoice(m);
  bind_invoice_line(m);
  bind_payment(m);
  bind_credit_note(m);
  bind_book(m);
  bind_loading(m);
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

}  // namespace billcheck::python
