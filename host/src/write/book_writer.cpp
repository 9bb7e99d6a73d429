// Writing a whole book as JSON or as a CSV directory, in the contract's column
// names and order, and `billcheck convert`, which picks the writer.
#include <billcheck/convert.hpp>
#include <billcheck/output.hpp>
#include <billcheck/parts.hpp>

#include "schema/columns.hpp"
#include "write/csv.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace billcheck {

void detail::append_csv_cell(std::string& out, std::string_view text) {
  const bool quote = text.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!text.empty() && (fields::is_space(text.front()) || fields::is_space(text.back())));
  if (!quote) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

std::string detail::csv_cell(std::string_view text) {
  std::string out;
  append_csv_cell(out, text);
  return out;
}

namespace {

namespace fs = std::filesystem;
using detail::csv_cell;

/// The key under which write_slice keeps a record's source ("line:file").
constexpr std::string_view kSliceSourceKey = "billcheck.source";

/// One record's values: the contract's columns in its order (from the same
/// column table the loaders read with), then its extra columns.
using Row = std::vector<std::pair<std::string_view, fields::Cell>>;

// The currency a record's amounts are in: its own, its invoice's, or its
// client's (a rate or a fee cap is in the currency the client is billed in).
// Empty when the book does not say; the amount is then written as it is.
std::string_view currency_of(const Book&, const Client& c) { return c.currency; }
std::string_view currency_of(const Book& book, const Engagement& e) {
  const Client* c = book.client(e.client_id);
  return c ? std::string_view(c->currency) : std::string_view();
}
std::string_view currency_of(const Book& book, const Rate& r) {
  const Engagement* e = book.engagement(r.engagement_id);
  return e ? currency_of(book, *e) : std::string_view();
}
std::string_view currency_of(const Book&, const Invoice& i) { return i.currency; }
std::string_view currency_of(const Book& book, const InvoiceLine& l) {
  const Invoice* i = book.invoice(l.invoice_id);
  return i ? std::string_view(i->currency) : std::string_view();
}
std::string_view currency_of(const Book&, const Payment& p) { return p.currency; }
std::string_view currency_of(const Book& book, const CreditNote& n) {
  if (const Invoice* i = n.invoice_id.empty() ? nullptr : book.invoice(n.invoice_id)) return i->currency;
  const Client* c = book.client(n.client_id);
  return c ? std::string_view(c->currency) : std::string_view();
}
template <class T>
std::string_view currency_of(const Book&, const T&) {
  return {};
}

/// One contract column's value of a record as the writers write it: money with
/// its currency's minor units (650.00 USD, 156750 JPY), as an invoice prints it;
/// never fewer digits than the exact value has.
template <class Column, class T>
fields::Cell cell_of(const Column& column, const T& record, std::string_view currency) {
  fields::Cell cell = column.get(record);
  if (column.money && !cell.text.empty() && !currency.empty())
    if (auto value = Decimal::parse(cell.text)) cell.text = format_amount(*value, currency);
  return cell;
}

template <class T>
Row row_of(const Book& book, const fields::Entity<T>& entity, const T& record) {
  Row r;
  r.reserve(entity.columns.size() + record.extra.values.size());
  const std::string_view currency = currency_of(book, record);
  for (const auto& column : entity.columns) r.emplace_back(column.name, cell_of(column, record, currency));
  for (const auto& [name, value] : record.extra.values) r.emplace_back(name, fields::Cell{value, true});
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
      for (const auto& [column, cell] : row_of(book, entity, record)) {
        if (cell.text.empty()) continue;
        out << (first_value ? "" : ", ") << json_string(column) << ": "
            << (cell.is_text ? json_string(cell.text) : cell.text);
        first_value = false;
      }
      out << '}';
    }
    out << (first_record ? "]" : "\n  ]");
  });
  out << "\n}\n";
}

void write_slice(std::ostream& out, const Book& book, const BookSlice& slice) {
  // The CSV book writer's cells, a table per section (detail::read_csv_tables
  // reads them back with the CSV loader's reader: a shuffle moves every line,
  // and JSON cost several times more to write and to read). Each record's
  // source rides along as the last column, which the reader keeps as the
  // record's last extra value.
  std::string buffer;
  auto table = [&](const auto& entity, const auto& records) {
    if (records.empty()) return;
    buffer.clear();
    std::vector<std::string_view> header;
    for (const auto& column : entity.columns) header.push_back(column.name);
    const std::size_t fixed = header.size();
    for (const auto* record : records)
      for (const auto& [name, value] : record->extra.values)
        if (std::find(header.begin() + static_cast<std::ptrdiff_t>(fixed), header.end(), name) == header.end())
          header.push_back(name);
    for (const auto& name : header) {
      detail::append_csv_cell(buffer, name);
      buffer += ',';
    }
    buffer += kSliceSourceKey;
    buffer += '\n';
    for (const auto* record : records) {
      const std::string_view currency = currency_of(book, *record);
      for (std::size_t i = 0; i < fixed; ++i) {
        detail::append_csv_cell(buffer, cell_of(entity.columns[i], *record, currency).text);
        buffer += ',';
      }
      for (std::size_t i = fixed; i < header.size(); ++i) {
        if (const Text* value = record->extra.find(header[i])) detail::append_csv_cell(buffer, *value);
        buffer += ',';
      }
      std::string source = std::to_string(record->source.line);
      source += ':';
      source += book.file_of(record->source);
      detail::append_csv_cell(buffer, source);
      buffer += '\n';
    }
    out << entity.name << ' ' << buffer.size() << '\n';
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  };
  table(fields::kClients, slice.clients);
  table(fields::kTimekeepers, slice.timekeepers);
  table(fields::kEngagements, slice.engagements);
  table(fields::kRates, slice.rates);
  table(fields::kTimeEntries, slice.time_entries);
  table(fields::kInvoices, slice.invoices);
  table(fields::kLines, slice.lines);
  table(fields::kPayments, slice.payments);
  table(fields::kCreditNotes, slice.credit_notes);
}

void write_book_csv(const std::filesystem::path& dir, const Book& book) {
  for_each_table(book, [&](const auto& entity, const auto& records) {
    if (records.empty() && !always_written(entity.name)) return;
    // The contract's columns, then every extra column in the order first seen.
    std::vector<std::string> header;
    for (const auto& column : entity.columns) header.emplace_back(column.name);
    const std::size_t fixed = header.size();
    for (const auto& record : records)
      for (const auto& [name, value] : record.extra.values)
        if (std::find(header.begin(), header.end(), name) == header.end()) header.emplace_back(name);
    // Written a record at a time through one buffer: a book's copy for the
    // isolated rules is written on every check, so this is on a hot path.
    write_output(dir / (std::string(entity.name) + ".csv"), [&](std::ostream& file) {
      std::string buffer;
      for (std::size_t i = 0; i < header.size(); ++i) {
        if (i) buffer += ',';
        detail::append_csv_cell(buffer, header[i]);
      }
      buffer += '\n';
      for (const auto& record : records) {
        const std::string_view currency = currency_of(book, record);
        for (std::size_t i = 0; i < fixed; ++i) {
          if (i) buffer += ',';
          detail::append_csv_cell(buffer, cell_of(entity.columns[i], record, currency).text);
        }
        for (std::size_t i = fixed; i < header.size(); ++i) {
          buffer += ',';
          if (const Text* value = record.extra.find(header[i])) detail::append_csv_cell(buffer, *value);
        }
        buffer += '\n';
        if (buffer.size() >= (1u << 16)) {
          file.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
          buffer.clear();
        }
      }
      file.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    });
  });
}

BookForm book_form_of(const std::filesystem::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return BookForm::csv;
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".json" ? BookForm::json : BookForm::ledes;
}

std::vector<std::string> write_book(const Book& book, const std::filesystem::path& out, BookForm form, bool replace,
                                    const std::map<std::string, std::string>& also) {
  std::error_code ec;
  const bool exists = fs::exists(out, ec);
  const bool empty_folder = exists && fs::is_directory(out, ec) && fs::is_empty(out, ec);
  if (exists && !empty_folder && !replace)
    throw std::runtime_error(out.string() + ": exists and is not an empty folder; give a new OUT, or --force to replace it");
  if (form == BookForm::csv && exists && !empty_folder && fs::is_directory(out, ec)) {
    // --force replaces a CSV book's folder (one an earlier run wrote), never one that holds anything else.
    std::vector<std::string> others;
    for (const auto& entry : fs::directory_iterator(out, ec)) {
      const std::string name = entry.path().filename().string();
      std::string ext = entry.path().extension().string();
      for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (entry.is_symlink(ec) || !entry.is_regular_file(ec) || (ext != ".csv" && name != "billcheck.yaml"))
        others.push_back(name);
    }
    if (!others.empty()) {
      std::sort(others.begin(), others.end());
      throw std::runtime_error(out.string() + ": holds " + others.front() +
                               (others.size() > 1 ? " and " + std::to_string(others.size() - 1) + " more" : "") +
                               ", not a CSV book's files; --force replaces only a folder of a book's .csv files and "
                               "its billcheck.yaml: give a new OUT");
    }
  }
  std::vector<std::string> notes;
  if (form != BookForm::csv) {
    if (exists && fs::is_directory(out, ec)) {
      if (!empty_folder) throw std::runtime_error(out.string() + ": is a folder; a " +
                                                  (form == BookForm::json ? "JSON" : "LEDES") + " book is one file");
      fs::remove(out, ec);
    }
    write_output(
        out,
        [&](std::ostream& file) {
          if (form == BookForm::ledes)
            notes = write_ledes(file, book);
          else
            write_book_json(file, book);
        },
        OutputOptions{replace});
    return notes;
  }
  // Every file goes into a folder beside OUT first, so a failed write leaves OUT as it was.
  const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  const fs::path staging = parent / ("." + out.filename().string() + ".tmp-" + std::to_string(::getpid()));
  const fs::path previous = parent / ("." + out.filename().string() + ".old-" + std::to_string(::getpid()));
  fs::remove_all(staging, ec);
  fs::remove_all(previous, ec);  // left by a run that was killed half-way
  if (!fs::create_directories(staging, ec) || ec)
    throw OutputError(staging, ec ? ec.message() : "cannot create the folder");
  try {
    write_book_csv(staging, book);
    for (const auto& extra : also)  // (not a structured binding: clang 14 cannot capture one)
      write_output(staging / extra.first, [&](std::ostream& file) { file << extra.second; });
    if (exists) {
      fs::rename(out, previous);
      fs::rename(staging, out);
      fs::remove_all(previous);
    } else {
      fs::rename(staging, out);
    }
  } catch (const fs::filesystem_error& e) {
    if (exists && !fs::exists(out, ec)) fs::rename(previous, out, ec);  // put the old OUT back
    fs::remove_all(staging, ec);
    throw OutputError(out, e.code().message());
  } catch (...) {
    fs::remove_all(staging, ec);
    throw;
  }
  return notes;
}

std::vector<std::string> convert_book(const std::filesystem::path& in, const std::filesystem::path& out,
                                      const LoadOptions& options, const OutputOptions& output) {
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
  write_output(
      out,
      [&](std::ostream& file) {
        if (form == OutForm::ledes)
          notes = write_ledes(file, book);
        else
          write_book_json(file, book);
      },
      output);
  return notes;
}

}  // namespace billcheck
