// Picking the loader for a book path, adding reference records, and building
// the indexed Book.
#include <billcheck/load.hpp>
#include <billcheck/parts.hpp>

#include <malloc.h>

#include "load/file.hpp"
#include "schema/ledes.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <iterator>
#include <system_error>
#include <unordered_map>
#include <unordered_set>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

enum class Form { csv, json, ledes };

std::string lower_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

/// Whether the file starts with `LEDES1998B[]`, whatever its name.
bool starts_as_ledes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  char head[64];
  in.read(head, sizeof head);
  return ledes::is_ledes_text(std::string_view(head, static_cast<std::size_t>(in.gcount())));
}

std::string size_text(std::uintmax_t bytes) {
  constexpr std::uintmax_t kMiB = 1 << 20, kGiB = std::uintmax_t{1} << 30;
  if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + " GiB";
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

/// Why `file` is not read: it is not a regular file (reading a FIFO or
/// /dev/zero would block or never end), or it is over the size limit. Checked
/// before a byte is read; a symlink is followed.
std::string unreadable_input(const fs::path& file, std::uintmax_t limit) {
  std::error_code ec;
  const fs::file_status st = fs::status(file, ec);
  if (ec || !fs::exists(st)) return {};  // the reader says it is missing, in its own words
  const char* kind = detail::special_file_kind(st);
  if (kind)
    return file.string() + ": is " + kind + ", not a file billcheck reads; give a book file or folder (or - for "
                           "standard input)";
  const std::uintmax_t size = fs::file_size(file, ec);
  if (!ec && size > limit)
    return file.string() + ": is " + std::to_string(size) + " bytes, over the limit of " + size_text(limit) +
           " for one book file; split the book, or raise limits.max_file_size in billcheck.yaml";
  return {};
}

/// Every file the book at `path` would be read from, checked first: so a bad
/// one is refused before anything is read, and every bad one is named.
void check_inputs(const fs::path& path, const LoadOptions& options) {
  std::vector<std::string> problems;
  auto check_folder = [&](const fs::path& dir) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec))
      if (lower_extension(entry.path()) == ".csv") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
      if (std::string why = unreadable_input(f, options.max_file_bytes); !why.empty()) problems.push_back(why);
  };
  std::error_code ec;
  if (path != "-") {
    if (fs::is_directory(path, ec))
      check_folder(path);
    else if (std::string why = unreadable_input(path, options.max_file_bytes); !why.empty())
      problems.push_back(why);
  }
  if (!options.reference.empty() && fs::is_directory(options.reference, ec)) check_folder(options.reference);
  if (!problems.empty()) throw BookError(std::move(problems));
}

BookData read_text(std::string_view text, const std::string& name, Form& form) {
  if (ledes::is_ledes_text(text)) {
    form = Form::ledes;
    return read_ledes_text(text, name);
  }
  form = Form::json;
  return read_json_text(text, name);
}

BookData read_any(const fs::path& path, Form& form, unsigned jobs) {
  if (path == "-") return read_text(std::string(std::istreambuf_iterator<char>(std::cin), {}), "<stdin>", form);
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw BookError({path.string() + ": no such file or directory"});
  if (fs::is_directory(status)) {
    form = Form::csv;
    return read_csv_directory(path, jobs);
  }
  const std::string ext = lower_extension(path);
  if (starts_as_ledes(path) || ext == ".ledes") {
    form = Form::ledes;
    return read_ledes_file(path);
  }
  if (ext == ".json") {
    form = Form::json;
    return read_json_file(path);
  }
  throw BookError({path.string() +
                   ": not a book billcheck can read; give a directory of CSV files (invoices.csv, "
                   "invoice_lines.csv, ...), a .json file, a LEDES 1998B file (first line LEDES1998B[]), or - to "
                   "read JSON or LEDES from standard input"});
}

/// Moves the records of `from` (read into `ref`) that `keep` accepts to the end
/// of `to`, pointing their sources at `book`'s copy of their file names.
template <class T, class Keep>
void move_records(const BookData& ref, std::vector<T>& from, std::vector<T>& to, BookData& book, Keep keep) {
  for (T& record : from) {
    if (!keep(record)) continue;
    record.source.file = book.file_number(ref, record.source.file);
    to.push_back(std::move(record));
  }
}

template <class T>
std::unordered_set<Text> ids_of(const std::vector<T>& records) {
  std::unordered_set<Text> ids;
  for (const T& r : records) ids.insert(r.id);
  return ids;
}

/// Adds the reference records the book's invoices lead to: their clients and
/// engagements, the engagements' clients, rates and time entries, the payments
/// and credit notes of the invoices (and on account of their clients), and the
/// timekeepers these and the book's lines name. Records for other clients and
/// matters stay out, so that checking one invoice file does not report on the
/// rest of the firm.
void add_reference(BookData& book, BookData ref) {
  book.text.keep(ref.text);  // the records moved over keep their text where the reference read it
  std::unordered_set<Text> clients, engagements;
  for (const Invoice& invoice : book.invoices) {
    clients.insert(invoice.client_id);
    if (!invoice.engagement_id.empty()) engagements.insert(invoice.engagement_id);
  }
  for (const Engagement& e : ref.engagements)
    if (engagements.contains(e.id)) clients.insert(e.client_id);

  const auto has_client = ids_of(book.clients);
  const auto has_engagement = ids_of(book.engagements);
  const auto has_entry = ids_of(book.time_entries);
  move_records(ref, ref.clients, book.clients, book,
               [&](const Client& c) { return clients.contains(c.id) && !has_client.contains(c.id); });
  move_records(ref, ref.engagements, book.engagements, book,
               [&](const Engagement& e) { return engagements.contains(e.id) && !has_engagement.contains(e.id); });
  std::unordered_set<Text> timekeepers;
  for (const InvoiceLine& line : book.lines) timekeepers.insert(line.timekeeper_id);
  move_records(ref, ref.rates, book.rates, book, [&](const Rate& r) {
    if (!engagements.contains(r.engagement_id) || has_engagement.contains(r.engagement_id)) return false;
    timekeepers.insert(r.timekeeper_id);
    return true;
  });
  move_records(ref, ref.time_entries, book.time_entries, book, [&](const TimeEntry& t) {
    if (!engagements.contains(t.engagement_id) || has_entry.contains(t.id)) return false;
    timekeepers.insert(t.timekeeper_id);
    return true;
  });
  // Payments and credit notes settle the book's invoices: without them the
  // credit rules would see every invoice as unpaid. Those on account (no
  // invoice) count toward the book's clients' balances.
  const auto invoices = ids_of(book.invoices);
  auto settles = [&](const auto& record) {
    return record.invoice_id.empty() ? clients.contains(record.client_id) : invoices.contains(record.invoice_id);
  };
  const auto has_payment = ids_of(book.payments);
  const auto has_note = ids_of(book.credit_notes);
  move_records(ref, ref.payments, book.payments, book,
               [&](const Payment& p) { return settles(p) && !has_payment.contains(p.id); });
  move_records(ref, ref.credit_notes, book.credit_notes, book,
               [&](const CreditNote& n) { return settles(n) && !has_note.contains(n.id); });

  // The firm's own timekeeper records (role, active dates) beat the LEDES
  // classification code they replace.
  std::unordered_map<Text, std::size_t> at;
  for (std::size_t i = 0; i < book.timekeepers.size(); ++i) at.emplace(book.timekeepers[i].id, i);
  for (Timekeeper& tk : ref.timekeepers) {
    if (!timekeepers.contains(tk.id)) continue;
    tk.source.file = book.file_number(ref, tk.source.file);
    if (auto it = at.find(tk.id); it != at.end())
      book.timekeepers[it->second] = std::move(tk);
    else
      book.timekeepers.push_back(std::move(tk));
  }
}

/// A LEDES invoice's currency: its client's where the book knows it, else the default.
void set_ledes_currencies(BookData& book, const std::string& fallback) {
  std::unordered_map<Text, Text> currency_of;
  for (const Client& c : book.clients)
    if (!c.currency.empty()) currency_of.emplace(c.id, c.currency);
  for (Invoice& invoice : book.invoices) {
    auto it = currency_of.find(invoice.client_id);
    if (it != currency_of.end())
      invoice.currency = it->second;
    else if (!fallback.empty())
      invoice.currency = book.add_text(fallback);
  }
}

/// What every form of book gets once read: the reference records and the LEDES currencies.
BookData complete(BookData data, Form form, const std::string& name, const LoadOptions& options) {
  if (!options.reference.empty()) {
    std::error_code ec;
    if (!fs::is_directory(options.reference, ec))
      throw BookError({options.reference.string() +
                       ": not a directory; --with takes a folder of CSV files (clients.csv, engagements.csv, "
                       "rates.csv, timekeepers.csv, time_entries.csv)"});
    add_reference(data, read_csv_reference(options.reference));
  }
  if (form == Form::ledes) {
    if (std::string why = options.ledes_currency.empty() ? "" : currency_problem(options.ledes_currency); !why.empty())
      throw BookError({name + ": the currency for LEDES invoices: " + why});
    set_ledes_currencies(data, options.ledes_currency);
  }
  return data;
}

/// A book in parts as one (billcheck/parts.hpp): the reference tables, then
/// every part; every problem of every part is reported at once.
BookData read_in_parts(const fs::path& path, const LoadOptions& options) {
  const PartLayout layout = *find_parts(path);
  std::vector<std::string> problems;
  auto collect = [&](auto read) {
    try {
      read();
    } catch (const BookError& e) {
      problems.insert(problems.end(), e.messages().begin(), e.messages().end());
    }
  };
  BookData data;
  collect([&] {
    check_inputs(layout.root, options);
    data = read_reference(layout);
  });
  for (const auto& part : layout.parts)
    collect([&] {
      check_inputs(part, options);
      append_records(data, read_part(layout, part));
    });
  if (!problems.empty()) throw BookError(std::move(problems));
  return data;
}

}  // namespace

BookData read_book(const std::filesystem::path& path, const LoadOptions& options) {
  Form form = Form::csv;
  if (path != "-" && is_book_in_parts(path)) return complete(read_in_parts(path, options), form, path.string(), options);
  check_inputs(path, options);
  BookData data = read_any(path, form, options.jobs);
  return complete(std::move(data), form, path.string(), options);
}

BookData read_book_text(std::string_view text, const std::string& name, const LoadOptions& options) {
  Form form = Form::json;
  BookData data = read_text(text, name, form);
  return complete(std::move(data), form, name, options);
}

Book load_book(const std::filesystem::path& path, const LoadOptions& options) {
  Book book(read_book(path, options));
  // The load's scratch (windows, piece tables, sort orders) is freed by now, but
  // malloc keeps the pages of chunks freed inside its arenas: hand them back.
  ::malloc_trim(0);
  return book;
}

Book load_book(const std::filesystem::path& path) { return load_book(path, LoadOptions{}); }

}  // namespace billcheck
