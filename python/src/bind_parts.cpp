// The engine's side of billcheck.distributed: a book in parts (billcheck/parts.hpp)
// checked task by task. Every value a task returns is text (JSON) or bytes, so
// that Dask moves and pickles it like any other.
#include "bind_parts.hpp"
#include "bind_sdk.hpp"

#include <billcheck/engine.hpp>
#include <billcheck/parts.hpp>

#include <billcheck/report.hpp>

#include "convert.hpp"
#include "engine/isolation.hpp"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <functional>
#include <sstream>

namespace billcheck::python {
namespace {

namespace py = pybind11;
namespace fs = std::filesystem;
using Json = nlohmann::json;

std::vector<Reach> reaches_of(const std::vector<std::string>& names) {
  std::vector<Reach> out;
  for (const auto& n : names) {
    auto r = parse_reach(n);
    if (!r) throw py::value_error("reach '" + n + "' is not one of client, timekeeper, firm, book");
    out.push_back(*r);
  }
  return out;
}

// The wire form of a finding, with where its record was read: the part that
// found it has the book's own file and line.
Json finding_json(const Finding& f) {
  Json j = detail::finding_to_wire(f);
  j["file"] = f.file;
  j["source_line"] = f.source_line;
  return j;
}

std::string findings_text(const std::vector<Finding>& findings) {
  Json out = Json::array();
  for (const auto& f : findings) out.push_back(finding_json(f));
  return out.dump();
}

void read_findings(const Json& j, std::vector<Finding>& out) {
  for (const auto& x : j) {
    Finding f = detail::finding_from_wire(x);
    f.file = x.value("file", std::string());
    f.source_line = x.value("source_line", 0u);
    out.push_back(std::move(f));
  }
}

std::string slice_text(const Book& book, const BookSlice& slice) {
  std::ostringstream out;
  write_slice(out, book, slice);
  return out.str();
}

/// The reference tables as a worker holds them: read once from the text the
/// driver scattered, copied into the book of each task.
struct Reference {
  BookData data;
  BookData copy() const {
    BookData out;
    append_copies(out, data);
    return out;
  }
};

/// The reference tables plus `more`.
Book book_with_reference(const Reference& reference, BookData more) {
  BookData data = reference.copy();
  append_records(data, std::move(more));
  return Book(std::move(data));
}

std::uint64_t bucket_of(std::string_view timekeeper, std::size_t buckets) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: the same bucket in every process
  for (unsigned char c : timekeeper) h = (h ^ c) * 1099511628211ULL;
  return h % buckets;
}

/// The clients whose records a part holds: named by its invoices, payments and
/// credit notes, and owning the engagements of its time entries.
std::set<std::string> clients_of(const Book& book) {
  std::set<std::string> out;
  for (const auto& i : book.invoices()) out.insert(i.client_id);
  for (const auto& p : book.payments()) out.insert(p.client_id);
  for (const auto& n : book.credit_notes()) out.insert(n.client_id);
  for (const auto& t : book.time_entries())
    if (const Engagement* e = book.engagement(t.engagement_id)) out.insert(e->client_id);
  return out;
}

py::tuple layout(const fs::path& path) {
  auto l = find_parts(path);
  if (!l)
    throw BookError({path.string() + ": not a book in parts: give a CSV book folder, a folder of parts (CSV folders "
                                     "or .json books, the reference tables beside them), or a glob of parts"});
  return py::make_tuple(l->root, l->parts, l->single);
}

py::tuple reference_text(const fs::path& path) {
  std::string text;
  std::vector<std::string> clients;
  {
    py::gil_scoped_release nogil;
    auto l = find_parts(path);
    if (!l) throw BookError({path.string() + ": not a book in parts"});
    Book ref(read_reference(*l));
    text = slice_text(ref, reference_slice(ref));
    for (const auto& c : ref.clients()) clients.push_back(c.id);
  }
  return py::make_tuple(py::bytes(text), clients);
}

// One client group's part: its client-reach findings, and what the other
// reaches need of it (its headers for the firm, its lines by timekeeper).
py::tuple check_part(const Engine& engine, const Reference& reference, const fs::path& root, const fs::path& part,
                     bool single, std::size_t buckets) {
  std::string meta, firm;
  std::vector<std::string> by_timekeeper(buckets);
  {
    py::gil_scoped_release nogil;
    PartLayout l{root, {part}, single};
    Book book = book_with_reference(reference, read_part(l, part));
    const std::set<std::string> clients = clients_of(book);
    PartCheck check{{Reach::client}, clients, false};
    const std::vector<Finding> found = engine.check_part(book, check);

    Json m;
    m["findings"] = Json::parse(findings_text(found));
    m["invoices"] = book.invoices().size();
    m["lines"] = book.lines().size();
    Json remedies = Json::object();
    for (const auto& [fp, r] : remedy_claims(book)) remedies[fp] = {r.kind, r.id};
    m["remedies"] = remedies;
    m["clients"] = clients;
    meta = m.dump();

    BookSlice headers;
    for (const auto& x : book.invoices()) headers.invoices.push_back(&x);
    for (const auto& x : book.payments()) headers.payments.push_back(&x);
    for (const auto& x : book.credit_notes()) headers.credit_notes.push_back(&x);
    firm = slice_text(book, headers);

    if (buckets > 0) {
      std::vector<BookSlice> slices(buckets);
      std::vector<std::set<const Invoice*>> invoices(buckets);
      for (const auto& line : book.lines()) {
        const auto b = bucket_of(line.timekeeper_id, buckets);
        slices[b].lines.push_back(&line);
        invoices[b].insert(&book.invoice_of(line));
      }
      // The credit notes of those invoices go with them: a rule asks whether an
      // invoice was credited in full (is_cancelled). A note on an invoice of
      // another part goes to every bucket, since this part cannot tell which
      // buckets hold that invoice's lines.
      for (const auto& note : book.credit_notes()) {
        if (note.invoice_id.empty()) continue;
        const Invoice* invoice = book.invoice(note.invoice_id);
        for (std::size_t b = 0; b < buckets; ++b)
          if (!invoice || invoices[b].contains(invoice)) slices[b].credit_notes.push_back(&note);
      }
      for (std::size_t b = 0; b < buckets; ++b) {
        slices[b].invoices.assign(invoices[b].begin(), invoices[b].end());
        by_timekeeper[b] = slice_text(book, slices[b]);
      }
    }
  }
  py::list tk;
  for (auto& s : by_timekeeper) tk.append(py::bytes(s));
  return py::make_tuple(meta, py::bytes(firm), tk);
}

// Rules of `reaches` over the reference tables plus slices (a shuffle's
// output) and whole parts; findings kept about `clients` when given.
std::string check_records(const Engine& engine, const Reference& reference, const std::vector<std::string>& slices,
                          const fs::path& root, const std::vector<fs::path>& parts, bool single,
                          const std::vector<std::string>& reaches, std::optional<std::set<std::string>> clients,
                          bool clientless) {
  py::gil_scoped_release nogil;
  BookData data = reference.copy();
  for (const auto& s : slices) append_records(data, read_slice(s));
  PartLayout l{root, parts, single};
  for (const auto& p : parts) append_records(data, read_part(l, p));
  Book book(std::move(data));
  PartCheck check{reaches_of(reaches), std::move(clients), clientless};
  return findings_text(engine.check_part(book, check));
}

// The report from every part's findings, through the engine's one assembly.
// `headers`: the reference tables and the firm's headers, which the text
// report reads client names and invoice totals from.
py::tuple assemble(const Engine& engine, const std::vector<std::string>& metas,
                   const std::vector<std::string>& findings, const Reference& reference,
                   const std::vector<std::string>& headers, py::object today) {
  PartResults results;
  std::shared_ptr<Book> book;
  CheckOptions options;
  if (!today.is_none()) options.today = date_from_py(today, "today");
  {
    py::gil_scoped_release nogil;
    for (const auto& text : metas) {
      const Json m = Json::parse(text);
      read_findings(m.at("findings"), results.findings);
      results.invoices += m.at("invoices").get<std::size_t>();
      results.lines += m.at("lines").get<std::size_t>();
      std::map<std::string, Remedy> claims;
      for (const auto& [fp, r] : m.at("remedies").items()) claims[fp] = Remedy{r.at(0), r.at(1)};
      merge_remedies(results.remedies, claims);
    }
    for (const auto& text : findings) read_findings(Json::parse(text), results.findings);
    BookData data = reference.copy();
    for (const auto& s : headers) append_records(data, read_slice(s));
    book = owned_book(Book(std::move(data)));  // registered: its records are readable from Python
  }
  return py::make_tuple(engine.assemble(std::move(results), options), book);
}

std::string report_text(const Report& report, const Book& book) {
  std::ostringstream out;
  write_text(out, report, book, TextStyle{false});
  return out.str();
}

}  // namespace

void bind_parts(py::module_& m) {
  py::class_<Reference>(m, "_PartsReference",
                        "The reference tables of a book in parts, read once per process from their text.")
      .def(py::init([](const std::string& text) {
             py::gil_scoped_release nogil;
             return Reference{read_slice(text)};
           }),
           py::arg("text"));
  m.def("_parts_layout", &layout, py::arg("path"),
        "(root, parts, single) of a book in parts (billcheck/parts.hpp); BookError when it is none.");
  m.def("_parts_reference", &reference_text, py::arg("path"),
        "(text, client ids) of the layout's reference tables: the text the tasks read them from (scattered once).");
  m.def("_parts_check_part", &check_part, py::arg("engine"), py::arg("reference"), py::arg("root"), py::arg("part"),
        py::arg("single"), py::arg("buckets"),
        "(meta JSON, firm headers, [lines by timekeeper bucket]) of one part: its client-reach findings, counts,\n"
        "remedy claims and clients, and the projections the other reaches need.");
  m.def("_parts_check_records", &check_records, py::arg("engine"), py::arg("reference"), py::arg("slices"),
        py::arg("root"), py::arg("parts"), py::arg("single"), py::arg("reaches"), py::arg("clients") = py::none(),
        py::arg("clientless") = true, "The findings (JSON) of the rules of `reaches` over reference + slices + parts.");
  m.def("_parts_assemble", &assemble, py::arg("engine"), py::arg("metas"), py::arg("findings"), py::arg("reference"),
        py::arg("headers"), py::arg("today") = py::none(),
        "(Report, header Book) from every part's results, assembled as Engine.check assembles one book's.");
  m.def("_parts_isolated", &Engine::has_isolated_rules, py::arg("engine"),
        "Whether the engine runs rules isolated in worker processes (a check in parts does not).");
  m.def("_report_text", &report_text, py::arg("report"), py::arg("book"),
        "The report as `billcheck check` prints it without colour.");
}

}  // namespace billcheck::python
