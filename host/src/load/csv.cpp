// Reading a book from a directory of CSV files, one per entity.
//
// Speed matters here (the target is a million invoice lines a second), so each
// file is read whole into one buffer, cells are views into it (quoted cells are
// unescaped in place), header columns are mapped to the entity's setters once
// per file, and the only allocations per cell are the records' own strings.
#include <billcheck/load.hpp>

#include "load/csv_tables.hpp"
#include "load/encoding.hpp"
#include "load/file.hpp"
#include "schema/columns.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstring>
#include <iterator>
#include <memory>
#include <thread>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using fields::Entity;

/// How many line ends (LF) [begin, end) holds: memchr finds each, many bytes
/// at a time, where std::count compared byte by byte.
std::size_t count_line_ends(const char* begin, const char* end) {
  std::size_t n = 0;
  for (const char* p = begin; p < end; ++n, ++p) {
    p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!p) break;
  }
  return n;
}

/// The first of [p, end) that is a comma, LF or CR (the characters that end an
/// unquoted cell), or `end`: eight bytes at a time, each tested with the exact
/// "has a zero byte" trick, where a byte loop took most of the reading.
const char* cell_end(const char* p, const char* end) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kLow = 0x7f7f7f7f7f7f7f7fULL;
  auto zero_bytes = [](std::uint64_t x) { return ~(((x & kLow) + kLow) | x | kLow); };  // 0x80 at each zero byte
  for (; end - p >= 8; p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t hits = zero_bytes(w ^ (',' * kOnes)) | zero_bytes(w ^ ('\n' * kOnes)) |
                               zero_bytes(w ^ ('\r' * kOnes));
    if (hits) return p + std::countr_zero(hits) / 8;
  }
  while (p < end && *p != ',' && *p != '\n' && *p != '\r') ++p;
  return p;
}

/// An RFC 4180 reader over a mutable buffer: CRLF or LF line ends, quoted cells
/// with `""` escapes and embedded line breaks, an optional UTF-8 byte order mark.
class CsvReader {
 public:
  CsvReader(char* begin, char* end, std::string_view file, std::vector<std::string>& errors)
      : p_(begin), end_(end), file_(file), errors_(errors) {
    if (end_ - p_ >= 3 && std::memcmp(p_, "\xEF\xBB\xBF", 3) == 0) p_ += 3;
  }

  /// A reader of the rows of [begin, end), a piece of a file whose first row
  /// starts on line `line` (no byte order mark there).
  CsvReader(char* begin, char* end, std::uint32_t line, std::string_view file, std::vector<std::string>& errors)
      : p_(begin), end_(end), file_(file), errors_(errors), next_line_(line) {}

  /// Reads the next record into `cells`; false at the end of the file. Blank
  /// lines are skipped. Sets `ok` to false when the record could not be read
  /// cleanly (the error is already reported).
  bool next(std::vector<std::string_view>& cells, bool& ok) {
    cells.clear();
    ok = true;
    skip_blank_lines();
    if (p_ >= end_) return false;
    line_ = next_line_;
    for (;;) {
      std::string_view cell;
      if (p_ < end_ && *p_ == '"') {
        if (!quoted_cell(cell)) {
          ok = false;
          p_ = end_;  // an unterminated quote swallows the rest of the file
          return true;
        }
        if (p_ < end_ && *p_ != ',' && *p_ != '\n' && !crlf_ahead()) {
          errors_.push_back(fields::located(
              file_, next_line_,
              "text after a closing quote (a quoted cell must end at a comma or the line end; write \"\" for a "
              "quote inside quotes)"));
          ok = false;
          skip_cell();
        }
      } else {
        cell = unquoted_cell();
      }
      cells.push_back(cell);
      if (p_ >= end_) return true;
      char c = *p_;
      if (c == ',') {
        ++p_;
        continue;
      }
      // The cell ended at a line end ('\n' or "\r\n").
      p_ += c == '\r' ? 2 : 1;
      ++next_line_;
      return true;
    }
  }

  /// The 1-based line where the last record read starts.
  std::uint32_t line() const { return line_; }

  /// Where the next record starts, and its line.
  char* position() const { return p_; }
  std::uint32_t next_line() const { return next_line_; }

  /// Moves past the next record exactly as next() would, without reading its
  /// cells or changing a byte; false at the end of the file, or at a quote
  /// that is never closed (which only next() reports).
  bool skip_record() {
    skip_blank_lines();
    if (p_ >= end_) return false;
    for (;;) {
      if (*p_ == '"') {
        for (++p_;;) {
          char* quote = static_cast<char*>(std::memchr(p_, '"', static_cast<std::size_t>(end_ - p_)));
          if (!quote) return false;
          next_line_ += static_cast<std::uint32_t>(count_line_ends(p_, quote));
          p_ = quote + 1;
          if (p_ < end_ && *p_ == '"') {
            ++p_;
            continue;
          }
          break;
        }
        if (p_ < end_ && *p_ != ',' && *p_ != '\n' && !crlf_ahead()) skip_cell();
      } else {
        unquoted_cell();
      }
      if (p_ >= end_) return true;
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      p_ += *p_ == '\r' ? 2 : 1;
      ++next_line_;
      return true;
    }
  }

 private:
  bool crlf_ahead() const { return *p_ == '\r' && p_ + 1 < end_ && p_[1] == '\n'; }

  void skip_blank_lines() {
    while (p_ < end_) {
      if (*p_ == '\n') {
        ++p_;
      } else if (crlf_ahead()) {
        p_ += 2;
      } else {
        return;
      }
      ++next_line_;
    }
  }

  /// Up to the next comma or line end. A lone '\r', and a '"' that does not open
  /// the cell (`12" monitor`), are kept as text, as most CSV readers do.
  std::string_view unquoted_cell() {
    char* start = p_;
    for (;;) {
      p_ = const_cast<char*>(cell_end(p_, end_));
      if (p_ < end_ && *p_ == '\r' && !crlf_ahead()) {
        ++p_;
        continue;
      }
      return {start, static_cast<std::size_t>(p_ - start)};
    }
  }

  void skip_cell() {
    while (p_ < end_ && *p_ != ',' && *p_ != '\n' && !crlf_ahead()) ++p_;
  }

  /// A cell opening with '"': unescapes `""` in place. False when unterminated.
  bool quoted_cell(std::string_view& cell) {
    std::uint32_t opened = next_line_;
    ++p_;
    char* start = p_;
    char* out = p_;
    for (;;) {
      char* quote = static_cast<char*>(std::memchr(p_, '"', static_cast<std::size_t>(end_ - p_)));
      char* stop = quote ? quote : end_;
      next_line_ += static_cast<std::uint32_t>(count_line_ends(p_, stop));
      if (out != p_) std::memmove(out, p_, static_cast<std::size_t>(stop - p_));
      out += stop - p_;
      p_ = stop;
      if (!quote) {
        errors_.push_back(fields::located(file_, opened, "unterminated quoted field"));
        return false;
      }
      if (p_ + 1 < end_ && p_[1] == '"') {  // "" stands for one quote
        *out++ = '"';
        p_ += 2;
        continue;
      }
      ++p_;  // the closing quote
      cell = {start, static_cast<std::size_t>(out - start)};
      return true;
    }
  }

  char* p_;
  char* end_;
  std::string_view file_;
  std::vector<std::string>& errors_;
  std::uint32_t line_ = 1;
  std::uint32_t next_line_ = 1;
};

/// Maps each header cell to the entity's column index (-1 for an extra column).
struct Header {
  std::vector<int> slots;
  std::vector<std::string> names;
  std::vector<Text> name_texts;  // names, for extra columns' records
  std::uint32_t present = 0;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && fields::is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && fields::is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

template <class T>
Header read_header(const Entity<T>& entity, const std::vector<std::string_view>& cells, std::string_view file,
                   std::uint32_t line, TextStore& store, std::vector<std::string>& errors) {
  Header h;
  h.slots.reserve(cells.size());
  h.names.reserve(cells.size());
  for (std::string_view raw : cells) {
    std::string_view name = trim(raw);
    int slot = entity.find(name);
    if (slot >= 0) {
      std::uint32_t bit = 1u << slot;
      if (h.present & bit) {
        errors.push_back(fields::column_error(file, line, name, "appears twice in the header; keep one"));
        slot = -1;  // the first one is used
      }
      h.present |= bit;
    }
    h.slots.push_back(slot);
    h.names.emplace_back(name);
    h.name_texts.push_back(store.add(name));
  }
  for (std::size_t i = 0; i < entity.columns.size(); ++i) {
    const auto& column = entity.columns[i];
    if (!column.required || (h.present & (1u << i))) continue;
    std::string what = "required column missing";
    for (const auto& name : h.names)
      if (same_ignoring_case(name, column.name))
        what += " (the header has '" + name + "'; column names are lower case)";
    errors.push_back(fields::column_error(file, line, column.name, what));
  }
  return h;
}

/// Converts the rows `reader` reads into records written from `out` on, at
/// most `capacity` of them; returns how many. Every problem goes to `errors`.
template <class T>
std::size_t read_rows(const Entity<T>& entity, const Header& header, CsvReader& reader, bool check_utf8, Text file,
                      T* out, std::size_t capacity, TextStore& store, std::vector<std::string>& errors) {
  const std::size_t width = header.slots.size();
  // Missing required columns were reported once, at the header.
  const std::uint32_t required = entity.required_mask() & header.present;
  std::vector<std::string_view> cells;
  cells.reserve(width);
  std::string why;
  std::size_t count = 0;
  bool ok = true;
  while (count < capacity && reader.next(cells, ok)) {
    if (!ok) continue;
    const std::uint32_t line = reader.line();
    if (cells.size() != width) {
      errors.push_back(fields::located(file, line,
                                       "row has " + std::to_string(cells.size()) +
                                           (cells.size() == 1 ? " cell" : " cells") + ", the header has " +
                                           std::to_string(width)));
      continue;
    }
    T& record = out[count++];
    record.source = Source{file, line};
    std::uint32_t seen = 0;
    for (std::size_t i = 0; i < width; ++i) {
      std::string_view value = cells[i];
      if (value.empty()) continue;  // absent
      int slot = header.slots[i];
      if (check_utf8) {
        if (auto at = encoding::invalid_utf8_at(value); at != std::string_view::npos) {
          errors.push_back(fields::column_error(file, line, header.names[i], encoding::utf8_problem(value, at)));
          if (slot >= 0) seen |= 1u << slot;  // reported; not also "missing"
          continue;
        }
      }
      if (slot < 0) {
        record.extra.values.emplace_back(header.name_texts[i], store.add(value));
        continue;
      }
      seen |= 1u << slot;
      const auto& column = entity.columns[static_cast<std::size_t>(slot)];
      if (!column.set(record, value, store, why)) errors.push_back(fields::column_error(file, line, column.name, why));
    }
    if ((seen & required) != required) fields::check_required(entity, required, seen, file, line, errors);
  }
  return count;
}

/// A file smaller than this is read on one thread: a thread costs more than it
/// saves. (A megabyte is about 10,000 rows, some milliseconds of work.)
constexpr std::size_t kBytesPerPiece = std::size_t{1} << 20;

/// Reads one entity's table from [begin, end) (mutable: quoted cells are
/// unescaped in place) into `data`; every problem goes to `errors`. A large
/// file is read in up to `jobs` pieces at once (0: one per core), cut where
/// rows start, so the records and errors are the same as on one thread.
template <class T>
void read_entity_buffer(const Entity<T>& entity, char* begin, char* end, Text file, BookData& data,
                        std::vector<std::string>& errors, unsigned jobs = 1) {
  CsvReader reader(begin, end, file, errors);
  std::vector<std::string_view> cells;
  bool ok = true;
  if (!reader.next(cells, ok)) {
    errors.push_back(fields::located(file, 1, "the file is empty; it needs a header row naming the columns"));
    return;
  }
  if (!ok) return;
  // Cells are checked one by one only in a piece that has a byte that is not UTF-8 (rare).
  if (!encoding::is_utf8({begin, static_cast<std::size_t>(reader.position() - begin)})) {
    for (std::string_view name : cells) {
      if (auto at = encoding::invalid_utf8_at(name); at != std::string_view::npos) {
        errors.push_back(fields::located(file, reader.line(), "the header: " + encoding::utf8_problem(name, at)));
        return;  // the columns cannot be named
      }
    }
  }
  const Header header = read_header(entity, cells, file, reader.line(), data.text, errors);

  // Room for a record on every line of the body (rows never outnumber lines):
  // made on another thread while this one finds where the pieces start.
  std::vector<T>& records = data.*entity.records;
  const std::size_t first = records.size();
  const std::uint32_t body_line = reader.next_line();
  const std::size_t lines = count_line_ends(reader.position(), end) + 1;
  std::jthread make_room([&] { records.resize(first + lines); });

  // The pieces: each starts where a row starts. A scan that moves over rows
  // as the reader does (without converting them) finds those places; a quote
  // never closed ends the scan, and the rest is read as one piece. A piece's
  // records go from the place of its first line on: any gaps (blank lines,
  // cells over several lines, rows not read) are closed after.
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t body = static_cast<std::size_t>(end - reader.position());
  const std::size_t pieces = std::min<std::size_t>(jobs, std::max<std::size_t>(1, body / kBytesPerPiece));
  struct Piece {
    char* begin;
    std::uint32_t line;
  };
  std::vector<Piece> cut{{reader.position(), body_line}};
  CsvReader scan = reader;
  for (std::size_t k = 1; k < pieces; ++k) {
    char* target = reader.position() + body * k / pieces;
    while (scan.position() < target && scan.skip_record()) {
    }
    if (scan.position() >= end || scan.position() < target) break;
    cut.push_back({scan.position(), scan.next_line()});
  }
  auto place = [&](std::size_t k) { return first + (k < cut.size() ? cut[k].line - body_line : lines); };
  make_room.join();

  std::vector<std::size_t> read(cut.size());
  std::vector<std::vector<std::string>> piece_errors(cut.size());
  // Each piece keeps its text in a store of its own (a store is written by one thread); the book keeps them all.
  std::vector<TextStore> piece_text(cut.size());
  auto read_piece = [&](std::size_t k) {
    char* piece_end = k + 1 < cut.size() ? cut[k + 1].begin : end;
    const bool check_utf8 = !encoding::is_utf8({cut[k].begin, static_cast<std::size_t>(piece_end - cut[k].begin)});
    CsvReader piece_reader(cut[k].begin, piece_end, cut[k].line, file, piece_errors[k]);
    read[k] = read_rows(entity, header, piece_reader, check_utf8, file, records.data() + place(k),
                        place(k + 1) - place(k), k == 0 ? data.text : piece_text[k], piece_errors[k]);
  };
  {
    std::vector<std::jthread> threads;
    for (std::size_t k = 1; k < cut.size(); ++k) threads.emplace_back(read_piece, k);
    read_piece(0);
  }
  std::size_t kept = first;
  for (std::size_t k = 0; k < cut.size(); ++k)
    for (std::size_t i = 0; i < read[k]; ++i, ++kept)
      if (kept != place(k) + i) records[kept] = std::move(records[place(k) + i]);
  records.resize(kept);
  for (std::size_t k = 1; k < cut.size(); ++k) data.text.keep(piece_text[k]);
  for (auto& e : piece_errors) std::move(e.begin(), e.end(), std::back_inserter(errors));
}

/// Reads one entity's file into `data`; every problem goes to `errors`.
template <class T>
void read_entity_file(const Entity<T>& entity, const fs::path& path, BookData& data,
                      std::vector<std::string>& errors, unsigned jobs) {
  const Text file = data.intern_file(path.string());
  detail::FileBytes buffer;
  std::string why;
  if (!detail::read_whole_file(path, buffer, why)) {
    errors.push_back(std::string(file) + ": cannot read the file: " + why);
    return;
  }
  char* begin = buffer.data.get();
  const std::string_view bytes(begin, buffer.size);
  if (std::string problem = encoding::line_ending_problem(bytes); !problem.empty()) {
    errors.push_back(std::string(file) + ": " + problem);
    return;
  }
  read_entity_buffer(entity, begin, begin + buffer.size, file, data, errors, jobs);
}

/// Reads every entity file of `dir`; `need_invoices`: a missing invoices.csv or
/// invoice_lines.csv is an error.
BookData read_directory(const fs::path& dir, bool need_invoices, unsigned jobs) {
  BookData data;
  std::vector<std::string> errors;
  fields::for_each_entity([&](const auto& entity) {
    fs::path path = dir / (std::string(entity.name) + ".csv");
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      if (need_invoices && (entity.name == fields::kInvoices.name || entity.name == fields::kLines.name))
        errors.push_back(path.string() + ": file not found; a book needs invoices.csv and invoice_lines.csv");
      return;
    }
    read_entity_file(entity, path, data, errors, jobs);
  });
  if (!errors.empty()) throw BookError(std::move(errors));
  return data;
}

}  // namespace

BookData read_csv_directory(const std::filesystem::path& dir, unsigned jobs) { return read_directory(dir, true, jobs); }

BookData read_csv_reference(const std::filesystem::path& dir) { return read_directory(dir, false, 0); }

BookData detail::read_csv_tables(std::string text, std::string_view name) {
  BookData data;
  std::vector<std::string> errors;
  const Text file = data.intern_file(name);
  std::size_t at = 0;
  while (at < text.size() && errors.empty()) {
    const std::size_t eol = text.find('\n', at);
    const std::size_t space = text.rfind(' ', eol);
    std::size_t bytes = 0;
    if (eol == std::string::npos || space == std::string::npos || space < at ||
        std::from_chars(text.data() + space + 1, text.data() + eol, bytes).ec != std::errc() ||
        bytes > text.size() - eol - 1) {
      errors.push_back(std::string(name) + ": a section does not start with 'ENTITY BYTES'");
      break;
    }
    const std::string_view entity_name(text.data() + at, space - at);
    char* begin = text.data() + eol + 1;
    bool known = false;
    fields::for_each_entity([&](const auto& entity) {
      if (entity.name != entity_name) return;
      known = true;
      read_entity_buffer(entity, begin, begin + bytes, file, data, errors);
    });
    if (!known) errors.push_back(std::string(name) + ": '" + std::string(entity_name) + "' is not a table of a book");
    at = eol + 1 + bytes;
  }
  if (!errors.empty()) throw BookError(std::move(errors));
  return data;
}

}  // namespace billcheck
