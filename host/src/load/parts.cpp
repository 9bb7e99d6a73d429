// A book in parts (billcheck/parts.hpp): finding the parts, reading the
// reference tables and one part, and moving records between processes with
// the place each was read.
#include <billcheck/error.hpp>
#include <billcheck/load.hpp>
#include <billcheck/parts.hpp>

#include "load/csv_tables.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <system_error>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSliceSourceKey = "billcheck.source";  // as write_slice writes it

bool is_json_file(const fs::path& p) {
  std::error_code ec;
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".json" && fs::is_regular_file(p, ec);
}

bool is_csv_book(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "invoices.csv", ec);
}

bool is_part(const fs::path& p) {
  std::error_code ec;
  return is_json_file(p) || (fs::is_directory(p, ec) && is_csv_book(p));
}

bool has_glob(const std::string& text) { return text.find_first_of("*?[") != std::string::npos; }

/// Moves every record of `from` (read into `data`) to the end of `to`, pointing
/// its source at `into`'s copy of its file name.
template <class T>
void move_all(const BookData& data, std::vector<T>& from, std::vector<T>& to, BookData& into) {
  to.reserve(to.size() + from.size());
  std::uint32_t last_from = 0, last_to = 0;  // records come file by file: look each name up once
  for (T& record : from) {
    if (record.source.file != last_from) {
      last_from = record.source.file;
      last_to = into.file_number(data, record.source.file);
    }
    record.source.file = last_to;
    to.push_back(std::move(record));
  }
  from.clear();
}

/// Takes the reference tables out of `data` (they are the layout's, not a part's).
BookData take_reference(BookData& data) {
  BookData ref;
  ref.text.keep(data.text);
  move_all(data, data.clients, ref.clients, ref);
  move_all(data, data.timekeepers, ref.timekeepers, ref);
  move_all(data, data.engagements, ref.engagements, ref);
  move_all(data, data.rates, ref.rates, ref);
  return ref;
}

template <class T>
void restore_sources(std::vector<T>& records, BookData& data, std::vector<std::string>& errors) {
  for (T& r : records) {
    auto& values = r.extra.values;
    if (values.empty() || values.back().first != kSliceSourceKey) {
      errors.push_back("a record of the slice has no " + std::string(kSliceSourceKey));
      continue;
    }
    const std::string_view text = values.back().second;
    const std::size_t colon = text.find(':');
    std::uint32_t line = 0;
    if (colon == std::string::npos ||
        std::from_chars(text.data(), text.data() + colon, line).ec != std::errc()) {
      errors.push_back("a record of the slice has a bad source '" + std::string(text) + "'");
      continue;
    }
    r.source.file = data.file_number(text.substr(colon + 1));
    r.source.line = line;
    values.pop_back();
  }
}

template <class T>
std::vector<const T*> all_of(std::span<const T> records) {
  std::vector<const T*> out;
  out.reserve(records.size());
  for (const T& r : records) out.push_back(&r);
  return out;
}

}  // namespace

std::optional<PartLayout> find_parts(const fs::path& path) {
  std::error_code ec;
  PartLayout layout;
  const std::string text = path.string();
  if (has_glob(path.filename().string()) && !has_glob(path.parent_path().string())) {
    layout.root = path.parent_path().empty() ? fs::path(".") : path.parent_path();
    const std::string pattern = path.filename().string();
    for (const auto& entry : fs::directory_iterator(layout.root, ec)) {
      const std::string name = entry.path().filename().string();
      if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0 && is_part(entry.path()))
        layout.parts.push_back(path.parent_path().empty() ? fs::path(name) : path.parent_path() / name);
    }
    std::sort(layout.parts.begin(), layout.parts.end());
    if (layout.parts.empty()) throw BookError({text + ": matches no part (a CSV book folder or a .json book)"});
    return layout;
  }
  if (!fs::is_directory(path, ec)) return std::nullopt;
  layout.root = path;
  if (is_csv_book(path)) {
    layout.single = true;
    layout.parts.push_back(path);
    return layout;
  }
  for (const auto& entry : fs::directory_iterator(path, ec)) {
    const fs::path part = path / entry.path().filename();
    if (is_part(part)) layout.parts.push_back(part);
  }
  if (layout.parts.empty()) return std::nullopt;
  std::sort(layout.parts.begin(), layout.parts.end());
  return layout;
}

bool is_book_in_parts(const fs::path& path) {
  std::error_code ec;
  if (has_glob(path.filename().string())) return true;
  auto layout = fs::is_directory(path, ec) ? find_parts(path) : std::nullopt;
  return layout && !layout->single;
}

BookData read_reference(const PartLayout& layout) {
  if (layout.single) {
    BookData all = read_csv_directory(layout.root);
    return take_reference(all);
  }
  BookData data = read_csv_reference(layout.root);
  std::vector<std::string> errors;
  auto stray = [&](const auto& records, std::string_view file) {
    if (!records.empty())
      errors.push_back((layout.root / file).string() +
                       ": a book in parts keeps only the reference tables (clients, timekeepers, engagements, "
                       "rates) at the top; move it into the part of its clients");
  };
  stray(data.invoices, "invoices.csv");
  stray(data.lines, "invoice_lines.csv");
  stray(data.payments, "payments.csv");
  stray(data.credit_notes, "credit_notes.csv");
  stray(data.time_entries, "time_entries.csv");
  if (!errors.empty()) throw BookError(std::move(errors));
  return data;
}

BookData read_part(const PartLayout& layout, const fs::path& part) {
  BookData data = is_json_file(part) ? read_json_file(part) : read_csv_directory(part);
  if (layout.single) {
    take_reference(data);
    return data;
  }
  std::vector<std::string> errors;
  auto stray = [&](const auto& records, std::string_view what) {
    if (!records.empty())
      errors.push_back(part.string() + ": has " + std::string(what) +
                       "; in a book in parts the reference tables are at the top (" + layout.root.string() +
                       "), where every part sees them");
  };
  stray(data.clients, "clients");
  stray(data.timekeepers, "timekeepers");
  stray(data.engagements, "engagements");
  stray(data.rates, "rates");
  if (!errors.empty()) throw BookError(std::move(errors));
  return data;
}

void append_records(BookData& into, BookData from) {
  into.text.keep(from.text);
  move_all(from, from.clients, into.clients, into);
  move_all(from, from.timekeepers, into.timekeepers, into);
  move_all(from, from.engagements, into.engagements, into);
  move_all(from, from.rates, into.rates, into);
  move_all(from, from.time_entries, into.time_entries, into);
  move_all(from, from.invoices, into.invoices, into);
  move_all(from, from.lines, into.lines, into);
  move_all(from, from.payments, into.payments, into);
  move_all(from, from.credit_notes, into.credit_notes, into);
}

void append_copies(BookData& into, const BookData& from) {
  into.text.keep(from.text);
  auto copy = [&](const auto& records, auto& to) {
    auto copies = records;  // sources still point into `from`'s file names until move_all re-points them
    move_all(from, copies, to, into);
  };
  copy(from.clients, into.clients);
  copy(from.timekeepers, into.timekeepers);
  copy(from.engagements, into.engagements);
  copy(from.rates, into.rates);
  copy(from.time_entries, into.time_entries);
  copy(from.invoices, into.invoices);
  copy(from.lines, into.lines);
  copy(from.payments, into.payments);
  copy(from.credit_notes, into.credit_notes);
}

BookData read_slice(std::string_view text) {
  BookData data = detail::read_csv_tables(std::string(text), "<slice>");
  std::vector<std::string> errors;
  restore_sources(data.clients, data, errors);
  restore_sources(data.timekeepers, data, errors);
  restore_sources(data.engagements, data, errors);
  restore_sources(data.rates, data, errors);
  restore_sources(data.time_entries, data, errors);
  restore_sources(data.invoices, data, errors);
  restore_sources(data.lines, data, errors);
  restore_sources(data.payments, data, errors);
  restore_sources(data.credit_notes, data, errors);
  if (!errors.empty()) throw BookError(std::move(errors));
  return data;
}

BookSlice reference_slice(const Book& book) {
  BookSlice s;
  s.clients = all_of(book.clients());
  s.timekeepers = all_of(book.timekeepers());
  s.engagements = all_of(book.engagements());
  s.rates = all_of(book.rates());
  return s;
}

}  // namespace billcheck
