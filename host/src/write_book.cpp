// Writing a whole book as JSON or as a CSV directory, in the contract's column
// names and order, and `billcheck convert`, which picks the writer.
#include <billcheck/convert.hpp>

#include "fields.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

enum class Kind { text, number, boolean };

/// One written value; an empty text is an absent value.
struct Value {
  std::string_view column;
  Kind kind;
  std::string text;
};
using Row = std::vector<Value>;

void put(Row& r, std::string_view c, const std::string& v) { r.push_back({c, Kind::text, v}); }
void put(Row& r, std::string_view c, Decimal v) { r.push_back({c, Kind::number, v.to_string()}); }
void put(Row& r, std::string_view c, std::int64_t v) { r.push_back({c, Kind::number, std::to_string(v)}); }
void put(Row& r, std::string_view c, bool v) { r.push_back({c, Kind::boolean, v ? "true" : "false"}); }
void put(Row& r, std::string_view c, Date v) { r.push_back({c, Kind::text, v.to_string()}); }
template <class V>
void put(Row& r, std::string_view c, const std::optional<V>& v) {
  if (v)
    put(r, c, *v);
  else
    r.push_back({c, Kind::text, {}});
}

void put_extras(Row& r, const Extras& extra) {
  for (const auto& [name, value] : extra.values) put(r, name, value);
}

// One function per entity, columns in the contract's order (book-format.md).

Row row_of(const Client& c) {
  Row r;
  put(r, "client_id", c.id);
  put(r, "name", c.name);
  put(r, "billing_entity", c.billing_entity);
  put(r, "billing_address", c.billing_address);
  put(r, "billing_email", c.billing_email);
  put(r, "tax_id", c.tax_id);
  put(r, "country", c.country);
  put(r, "currency", c.currency);
  put(r, "payment_terms_days", c.payment_terms_days);
  put(r, "credit_limit", c.credit_limit);
  put(r, "credit_hold", c.credit_hold);
  put(r, "last_verified", c.last_verified);
  put_extras(r, c.extra);
  return r;
}

Row row_of(const Timekeeper& t) {
  Row r;
  put(r, "timekeeper_id", t.id);
  put(r, "name", t.name);
  put(r, "role", t.role);
  put(r, "active_from", t.active_from);
  put(r, "active_to", t.active_to);
  put_extras(r, t.extra);
  return r;
}

Row row_of(const Engagement& e) {
  Row r;
  put(r, "engagement_id", e.id);
  put(r, "client_id", e.client_id);
  put(r, "name", e.name);
  put(r, "billing_entity", e.billing_entity);
  put(r, "billing_cycle", e.billing_cycle);
  put(r, "invoice_within_days", e.invoice_within_days);
  put(r, "discount_pct", e.discount_pct);
  put(r, "fee_cap", e.fee_cap);
  put(r, "start_date", e.start_date);
  put(r, "end_date", e.end_date);
  put_extras(r, e.extra);
  return r;
}

Row row_of(const Rate& x) {
  Row r;
  put(r, "engagement_id", x.engagement_id);
  put(r, "timekeeper_id", x.timekeeper_id);
  put(r, "role", x.role);
  put(r, "rate", x.rate);
  put(r, "effective_from", x.effective_from);
  put(r, "effective_to", x.effective_to);
  put_extras(r, x.extra);
  return r;
}

Row row_of(const TimeEntry& t) {
  Row r;
  put(r, "entry_id", t.id);
  put(r, "engagement_id", t.engagement_id);
  put(r, "timekeeper_id", t.timekeeper_id);
  put(r, "date", t.date);
  put(r, "hours", t.hours);
  put(r, "billable", t.billable);
  put(r, "task_code", t.task_code);
  put(r, "activity_code", t.activity_code);
  put(r, "description", t.description);
  put_extras(r, t.extra);
  return r;
}

Row row_of(const Invoice& i) {
  Row r;
  put(r, "invoice_id", i.id);
  put(r, "client_id", i.client_id);
  put(r, "engagement_id", i.engagement_id);
  put(r, "issue_date", i.issue_date);
  put(r, "period_start", i.period_start);
  put(r, "period_end", i.period_end);
  put(r, "due_date", i.due_date);
  put(r, "currency", i.currency);
  put(r, "discount", i.discount);
  put(r, "tax_rate", i.tax_rate);
  put(r, "tax", i.tax);
  put(r, "total", i.total);
  put(r, "status", i.status);
  put_extras(r, i.extra);
  return r;
}

Row row_of(const InvoiceLine& l) {
  Row r;
  put(r, "invoice_id", l.invoice_id);
  put(r, "line_no", l.line_no);
  put(r, "type", l.type);
  put(r, "date", l.date);
  put(r, "timekeeper_id", l.timekeeper_id);
  put(r, "entry_id", l.entry_id);
  put(r, "task_code", l.task_code);
  put(r, "activity_code", l.activity_code);
  put(r, "expense_code", l.expense_code);
  put(r, "description", l.description);
  put(r, "quantity", l.quantity);
  put(r, "rate", l.rate);
  put(r, "adjustment", l.adjustment);
  put(r, "amount", l.amount);
  put_extras(r, l.extra);
  return r;
}

Row row_of(const Payment& p) {
  Row r;
  put(r, "payment_id", p.id);
  put(r, "client_id", p.client_id);
  put(r, "invoice_id", p.invoice_id);
  put(r, "date", p.date);
  put(r, "amount", p.amount);
  put(r, "currency", p.currency);
  put(r, "reference", p.reference);
  put_extras(r, p.extra);
  return r;
}

Row row_of(const CreditNote& n) {
  Row r;
  put(r, "credit_note_id", n.id);
  put(r, "client_id", n.client_id);
  put(r, "invoice_id", n.invoice_id);
  put(r, "date", n.date);
  put(r, "amount", n.amount);
  put(r, "reason", n.reason);
  put(r, "approved_by", n.approved_by);
  put_extras(r, n.extra);
  return r;
}

/// Calls `f(entity, records)` for each entity, in the contract's order.
template <class F>
void for_each_table(const Book& book, F&& f) {
  f(fields::kClients, book.clients());
  f(fields::kTimekeepers, book.timekeepers());
  f(fields::kEngagements, book.engagements());
  f(fields::kRates, book.rates());
  f(fields::kTimeEntries, book.time_entries());
  f(fields::kInvoices, book.invoices());
  f(fields::kLines, book.lines());
  f(fields::kPayments, book.payments());
  f(fields::kCreditNotes, book.credit_notes());
}

/// A book always has these, even empty.
bool always_written(std::string_view entity) {
  return entity == fields::kInvoices.name || entity == fields::kLines.name;
}

std::string json_string(std::string_view text) {
  // Replace, not throw, on text that is not UTF-8: a convert should not fail on one odd byte.
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string csv_cell(std::string_view text) {
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!text.empty() && (fields::is_space(text.front()) || fields::is_space(text.back())));
  if (!quote) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

enum class OutForm { ledes, json, csv };

OutForm form_of(const fs::path& out) {
  std::string ext = out.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".ledes" || ext == ".txt") return OutForm::ledes;
  if (ext == ".json") return OutForm::json;
  if (ext == ".csv")
    throw std::runtime_error(out.string() + ": a CSV book is a folder of files; give a folder name (no .csv)");
  return OutForm::csv;
}

std::ofstream open_for_writing(const fs::path& path) {
  std::ofstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
  return file;
}

void finish(std::ofstream& file, const fs::path& path) {
  file.close();
  if (!file) throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

void write_book_json(std::ostream& out, const Book& book) {
  out << "{";
  bool first_table = true;
  for_each_table(book, [&](const auto& entity, const auto& records) {
    if (records.empty() && !always_written(entity.name)) return;
    out << (first_table ? "\n  " : ",\n  ") << json_string(entity.name) << ": [";
    first_table = false;
    bool first_record = true;
    for (const auto& record : records) {
      out << (first_record ? "\n    {" : ",\n    {");
      first_record = false;
      bool first_value = true;
      for (const Value& v : row_of(record)) {
        if (v.text.empty()) continue;
        out << (first_value ? "" : ", ") << json_string(v.column) << ": "
            << (v.kind == Kind::text ? json_string(v.text) : v.text);
        first_value = false;
      }
      out << '}';
    }
    out << (first_record ? "]" : "\n  ]");
  });
  out << "\n}\n";
}

void write_book_csv(const std::filesystem::path& dir, const Book& book) {
  for_each_table(book, [&](const auto& entity, const auto& records) {
    if (records.empty() && !always_written(entity.name)) return;
    // The contract's columns, then every extra column in the order first seen.
    std::vector<std::string> header;
    for (const auto& column : entity.columns) header.emplace_back(column.name);
    std::vector<Row> rows;
    rows.reserve(records.size());
    for (const auto& record : records) {
      rows.push_back(row_of(record));
      for (const Value& v : rows.back())
        if (std::find(header.begin(), header.end(), v.column) == header.end()) header.emplace_back(v.column);
    }
    const fs::path path = dir / (std::string(entity.name) + ".csv");
    std::ofstream file = open_for_writing(path);
    for (std::size_t i = 0; i < header.size(); ++i) file << (i ? "," : "") << csv_cell(header[i]);
    file << '\n';
    for (const Row& row : rows) {
      for (std::size_t i = 0; i < header.size(); ++i) {
        auto v = std::find_if(row.begin(), row.end(), [&](const Value& x) { return x.column == header[i]; });
        file << (i ? "," : "") << (v == row.end() ? std::string() : csv_cell(v->text));
      }
      file << '\n';
    }
    finish(file, path);
  });
}

std::vector<std::string> convert_book(const std::filesystem::path& in, const std::filesystem::path& out,
                                      const LoadOptions& options) {
  const OutForm form = form_of(out);
  std::error_code ec;
  if (form == OutForm::csv && fs::exists(out, ec) && !(fs::is_directory(out, ec) && fs::is_empty(out, ec)))
    throw std::runtime_error(out.string() +
                             ": exists and is not an empty folder; give a new folder for the CSV book (or an OUT "
                             "ending in .json, .ledes or .txt)");
  const Book book = load_book(in, options);
  std::vector<std::string> notes;
  if (form == OutForm::csv) {
    fs::create_directories(out, ec);
    if (ec) throw std::runtime_error("cannot create " + out.string() + ": " + ec.message());
    write_book_csv(out, book);
    return notes;
  }
  std::ofstream file = open_for_writing(out);
  if (form == OutForm::ledes)
    notes = write_ledes(file, book);
  else
    write_book_json(file, book);
  finish(file, out);
  return notes;
}

}  // namespace billcheck
