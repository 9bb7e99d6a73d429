// Reading a book from a directory of CSV files, one per entity.
//
// Speed and memory matter here (the targets are four million invoice lines a
// second, and 250 bytes a line at the peak), so each file is read a window of a
// few megabytes at a time (never whole beside the records it becomes), cells are
// views into the window (quoted cells are unescaped in place), header columns
// are mapped to the entity's setters once per file, and the only allocations
// per cell are the records' own strings.
#include <billcheck/load.hpp>
#include <billcheck/memory.hpp>

#include "load/csv_tables.hpp"
#include "load/encoding.hpp"
#include "load/file.hpp"
#include "load/last_texts.hpp"
#include "load/scan.hpp"
#include "schema/columns.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <thread>
#include <type_traits>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using detail::TableBytes;
using detail::Window;
using fields::Entity;

/// The first of [p, end) that is a comma, LF or CR (the characters that end an
/// unquoted cell), or `end`.
const char* cell_end(const char* p, const char* end) { return scan::first_of<',', '\n', '\r'>(p, end); }

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
    char* const row = p_;
    if (fast_row([&](std::string_view value) {
          cells.push_back(value);
          return true;
        }))
      return true;
    // The careful reader, from the first cell fast_row did not take.
    for (;;) {
      std::string_view cell;
      if (p_ < end_ && *p_ == '"') {
        const std::uint32_t opened = next_line_;
        if (!quoted_cell(cell)) {
          ok = false;
          unterminated_at_ = row;
          p_ = end_;  // an unterminated quote swallows the rest of the file
          return true;
        }
        if (p_ < end_ && *p_ != ',' && *p_ != '\n' && !crlf_ahead()) {
          // A cell that ran over lines to its "closing" quote most likely opened with a stray one.
          errors_.push_back(
              opened != next_line_
                  ? fields::located(file_, opened,
                                    "a quote opens a cell here that runs to line " + std::to_string(next_line_) +
                                        " and has text after its closing quote there; if this quote is a stray, "
                                        "remove it (write \"\" for a quote inside quotes)")
                  : fields::located(file_, next_line_,
                                    "text after a closing quote (a quoted cell must end at a comma or the line end; "
                                    "write \"\" for a quote inside quotes)"));
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

  /// Reads a common row whole: cells unquoted, or quoted without `""` or line
  /// breaks inside, ending at LF or CRLF, all of it at least 16 bytes before
  /// the end of the buffer. The stops of each 16 bytes ([,\n\r"]) are found
  /// at once, as a mask, and the row's cells taken from its bits, where the
  /// careful reader below asked for the end of each cell anew (its calls and
  /// checks were 900 instructions a line of the synthetic book). Anything
  /// else (an escaped quote, text after a closing quote, a lone CR, a line
  /// break inside quotes, the buffer's end) is left to the careful reader,
  /// from the start of the cell where it was met: false, with the cells before
  /// it in `cells` and p_ at that cell. Reads nothing outside the buffer.
  ///
  /// Each cell goes to push(value), which returns false to leave the row to
  /// the careful reader from that cell on.
  template <class Push>
  bool fast_row(Push push) {
#if defined(__SSE2__)
    char* cell = p_;               // where the current cell starts
    const char* closed = nullptr;  // its closing quote, once a quoted cell has closed
    bool quoted = false;           // inside a quoted cell
    for (char* chunk = p_; end_ - chunk >= 16; chunk += 16) {
      for (unsigned m = scan::stops_in_16<',', '\n', '\r', '"'>(chunk); m != 0; m &= m - 1) {
        char* const s = chunk + std::countr_zero(m);
        const char c = *s;
        if (c == '"') {
          if (quoted) {
            if (end_ - s < 2 || s[1] == '"') goto careful;  // "" is unescaped by the careful reader
            quoted = false;
            closed = s;
          } else if (s == cell) {
            quoted = true;
          } else if (closed) {
            goto careful;  // text after a closing quote
          }  // else a quote inside an unquoted cell: text
          continue;
        }
        if (quoted) {
          if (c != ',') goto careful;  // a line break inside quotes
          continue;                    // a comma inside quotes: text
        }
        std::string_view value;
        if (closed) {
          if (closed + 1 != s) goto careful;  // text after a closing quote
          value = {cell + 1, static_cast<std::size_t>(closed - cell - 1)};
        } else {
          value = {cell, static_cast<std::size_t>(s - cell)};
        }
        if (c == ',') {
          if (!push(value)) goto careful;
          cell = s + 1;
          closed = nullptr;
          continue;
        }
        if (c == '\r' && !(end_ - s >= 2 && s[1] == '\n')) goto careful;  // a lone CR
        if (!push(value)) goto careful;
        p_ = s + (c == '\r' ? 2 : 1);
        ++next_line_;
        return true;
      }
    }
  careful:
    p_ = cell;
#else
    (void)push;
#endif
    return false;
  }

  /// Reads up to `most` rows that fast_row() takes whole, of `width` cells
  /// each and starting before `stop`: row r's cells to cells + r * width, its
  /// line to lines[r]. Returns how many; stops before a row it does not take
  /// (the position and line are then that row's, for next()).
  std::size_t fast_rows(std::string_view* cells, std::uint32_t* lines, std::size_t width, std::size_t most,
                        const char* stop) {
    std::size_t n = 0;
    while (n < most) {
      skip_blank_lines();
      if (p_ >= end_ || p_ >= stop) break;
      char* const row = p_;
      const std::uint32_t line = next_line_;
      std::string_view* const out = cells + n * width;
      std::size_t k = 0;
      const auto push = [&](std::string_view value) {
        if (k == width) return false;
        out[k++] = value;
        return true;
      };
      if (!fast_row(push) || k != width) {
        p_ = row;
        next_line_ = line;
        break;
      }
      lines[n++] = line;
    }
    return n;
  }

  /// Goes back to `at`, a row start on line `line` that fast_rows() read (it
  /// changes no byte, so the rows read again are the same).
  void rewind(char* at, std::uint32_t line) {
    p_ = at;
    next_line_ = line;
  }

  /// The 1-based line where the last record read starts.
  std::uint32_t line() const { return line_; }

  /// Whether the next record starts at or after `stop` (or there is none),
  /// moving past blank lines to it as next() would.
  bool next_starts_at(const char* stop) {
    skip_blank_lines();
    return p_ >= end_ || p_ >= stop;
  }

  /// Where the record whose quote never closed starts (its error is the last
  /// one reported), or nullptr: in a window of a file, it may close past the window.
  char* unterminated_at() const { return unterminated_at_; }

  /// Where the next record starts, and its line.
  char* position() const { return p_; }
  std::uint32_t next_line() const { return next_line_; }

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
      next_line_ += static_cast<std::uint32_t>(scan::count_line_ends(p_, stop));
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
  char* unterminated_at_ = nullptr;
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

/// Converts the rows `reader` reads that start before `stop` into records
/// written from `out` on, at most `capacity` of them; returns how many. Every
/// problem goes to `errors`, in the order of the rows.
///
/// Common rows are read and converted a block at a time, a column at a time
/// (CsvReader::fast_rows, Column::fill); anything else, and a block with a
/// value fill() does not take, row by row (CsvReader::next, Column::set). On
/// the 100k-line synthetic book the blocks took a load from 1.150 G to 0.796 G
/// instructions (callgrind): a call for each cell, through LastTexts, and a
/// vector of cells a row were most of what the row by row reading spent.
template <class T>
std::size_t read_rows(const Entity<T>& entity, const Header& header, CsvReader& reader, const char* stop,
                      bool check_utf8, Text file, std::uint32_t file_number, T* out, std::size_t capacity,
                      TextStore& store, std::vector<std::string>& errors) {
  const std::size_t width = header.slots.size();
  // Missing required columns were reported once, at the header.
  const std::uint32_t required = entity.required_mask() & header.present;
  std::string why;
  std::size_t count = 0;
  detail::LastTexts<T> last(width);  // by cell
  const auto convert = [&](const std::vector<std::string_view>& row, std::uint32_t line) {
    if (errors.size() >= fields::kMaxProblems) return;  // enough listed: the book is not loaded anyway
    if (row.size() != width) {
      errors.push_back(fields::located(file, line,
                                       "row has " + std::to_string(row.size()) +
                                           (row.size() == 1 ? " cell" : " cells") + ", the header has " +
                                           std::to_string(width)));
      return;
    }
    T& record = out[count++];
    record.source = Source{file_number, line};
    std::uint32_t seen = 0;
    for (std::size_t i = 0; i < width; ++i) {
      std::string_view value = row[i];
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
      if (!last.set(column, i, record, value, store, why))
        errors.push_back(fields::column_error(file, line, column.name, why));
    }
    if ((seen & required) != required) fields::check_required(entity, required, seen, file, line, errors);
  };
  std::vector<std::string_view> row;
  row.reserve(width);
  bool ok = true;
  // Reads and converts up to `most` rows one by one (the careful reading).
  const auto read_careful = [&](std::size_t most) {
    for (; most > 0 && count < capacity && !reader.next_starts_at(stop); --most)
      if (reader.next(row, ok) && ok) convert(row, reader.line());
  };

  // Blocks of common rows (all cells there, read by fast_rows) are converted
  // a column at a time (Column::fill): one call a column for the block, where
  // a row by row conversion made one for each cell. A block with anything
  // fill() does not take at once (a value refused, a required cell empty) is
  // converted again row by row, which reports it in the order of the rows.
  constexpr std::size_t kBlockRows = 64;
  std::vector<std::string_view> block(check_utf8 || width == 0 ? 0 : kBlockRows * width);
  std::array<std::uint32_t, kBlockRows> block_lines{};
  const auto convert_block = [&](T* records, std::size_t n) {
    for (std::size_t i = 0; i < width; ++i) {
      const std::string_view* cells = block.data() + i;
      if (const int slot = header.slots[i]; slot >= 0) {
        const auto& column = entity.columns[static_cast<std::size_t>(slot)];
        if (column.fill(records, cells, width, n, (required >> slot) & 1u, column.choices, last.at(i), store) != n)
          return false;
        continue;
      }
      for (std::size_t r = 0; r < n; ++r)
        if (const std::string_view value = cells[r * width]; !value.empty())
          records[r].extra.values.emplace_back(header.name_texts[i], store.add(value));
    }
    for (std::size_t r = 0; r < n; ++r) records[r].source = Source{file_number, block_lines[r]};
    return true;
  };
  while (count < capacity && !reader.next_starts_at(stop)) {
    std::size_t careful = 1;  // rows to read one by one next
    while (!block.empty() && count < capacity && errors.size() < fields::kMaxProblems) {
      char* const at = reader.position();
      const std::uint32_t at_line = reader.next_line();
      const std::size_t n =
          reader.fast_rows(block.data(), block_lines.data(), width, std::min(kBlockRows, capacity - count), stop);
      if (n == 0) break;
      if (!convert_block(out + count, n)) {
        std::fill_n(out + count, n, T{});
        reader.rewind(at, at_line);
        careful = n;
        break;
      }
      count += n;
    }
    read_careful(careful);
  }
  return count;
}

/// A file smaller than this is read on one thread: a thread costs more than it
/// saves. (A megabyte is about 10,000 rows, some milliseconds of work.)
constexpr std::size_t kBytesPerPiece = std::size_t{1} << 20;
/// How much of a table a reader holds at once. A file is read a window at a
/// time, never whole: a 1M-line book's 105 MB of lines beside the 136 MB of
/// records they become was the peak of a load. About a core's L2 cache, where
/// the window is still when its rows are read (4 MB: 1.5% slower).
constexpr std::size_t kWindowBytes = std::size_t{1} << 20;
/// A large table is read in pieces of this size to twice it (a few windows),
/// each thread taking the next when it has read one: 50 for a 1M-line
/// book's lines.
constexpr std::size_t kPieceBytes = std::size_t{2} << 20;
/// A large table's records are faulted in a huge page at a time, each thread
/// taking the next when it has done one (parts of 8 MB left one thread zeroing
/// most of the payments' 7 MB alone).
constexpr std::size_t kPopulateBytes = std::size_t{2} << 20;
/// The first window, for the header row (it grows until it holds the row).
constexpr std::size_t kHeaderWindowBytes = std::size_t{64} << 10;

/// Runs fn(k, w) for every k in [0, n) on `workers` threads (w: which one,
/// 0 being this thread), each taking the next k when it has done one, in
/// order of k. This thread first runs first() (the others start meanwhile).
template <class Fn, class First = void (*)()>
void each_piece(std::size_t n, std::size_t workers, Fn fn, First first = [] {}) {
  std::atomic<std::size_t> next{0};
  const auto work = [&](std::size_t w) {
    for (std::size_t k; (k = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(k, w);
  };
  std::vector<std::jthread> threads;
  for (std::size_t w = 1; w < workers; ++w) threads.emplace_back(work, w);
  first();
  work(0);
}

/// Reads one entity's table into `data`; every problem goes to `errors`. A
/// large table is read in pieces of about kPieceBytes, by up to `jobs`
/// threads at once (0: one per core), each taking the next piece when it has
/// read one (pieces read as fast as each other need not be: the first piece's
/// thread was up to a third slower than the other's, which then waited). Each
/// thread reads a window at a time (`windows[w]` for thread w, kept for the
/// next table: a fresh window is fresh memory, which a virtual machine is slow
/// to give). The records and errors are the same as on one thread.
///
/// The pieces are cut after a line end near equal shares of the bytes, then
/// read twice: once to count their line ends (which places each piece's
/// records, and numbers its lines), once to convert their rows. A cut inside a
/// quoted cell that holds line breaks is found after: the piece before it then
/// ends elsewhere than the next began, and that next piece is read again from
/// where it really starts. A table read whole by one thread is read once: room
/// is made for each window's rows as it is read (its line ends, counted where
/// the window is in the cache), in a vector reserved at the first window's
/// density (detail::lines_at_density, as the LEDES reader reserves). Its first
/// reading, a copy of the file from the kernel and a count, was 6% of a
/// one-job load.
template <class T>
void read_table(const Entity<T>& entity, const TableBytes& bytes, Text file, BookData& data,
                std::vector<std::string>& errors, unsigned jobs, std::vector<Window>& windows) {
  std::string why;
  const auto cannot_read = [&] { errors.push_back(std::string(file) + ": cannot read the file: " + why); };

  // The header row, in a window that grows until it holds the row whole.
  Window head;
  std::vector<std::string_view> cells;
  std::optional<CsvReader> reader;
  bool ok = true;
  for (std::size_t want = kHeaderWindowBytes;; want *= 2) {
    if (!head.load(bytes, 0, want, why)) return cannot_read();
    if (head.whole_rest) {
      if (std::string problem = encoding::line_ending_problem({head.begin(), head.size}); !problem.empty()) {
        errors.push_back(std::string(file) + ": " + problem);
        return;
      }
    }
    char* rows_end = head.rows_end();
    if (!rows_end) continue;
    reader.emplace(head.begin(), rows_end, file, errors);
    const bool any = reader->next(cells, ok);
    if (!head.whole_rest && (!any || reader->unterminated_at())) {
      if (reader->unterminated_at()) errors.pop_back();
      continue;
    }
    if (!any) {
      errors.push_back(fields::located(file, 1, "the file is empty; it needs a header row naming the columns"));
      return;
    }
    break;
  }
  if (!ok) return;
  // Cells are checked one by one only in a window that has a byte that is not UTF-8 (rare).
  if (!encoding::is_utf8({head.begin(), static_cast<std::size_t>(reader->position() - head.begin())})) {
    for (std::string_view name : cells) {
      if (auto at = encoding::invalid_utf8_at(name); at != std::string_view::npos) {
        errors.push_back(fields::located(file, reader->line(), "the header: " + encoding::utf8_problem(name, at)));
        return;  // the columns cannot be named
      }
    }
  }
  const Header header = read_header(entity, cells, file, reader->line(), data.text, errors);
  const std::uint32_t file_number = data.file_number(file);
  const std::size_t body_begin = head.offset_of(reader->position());
  const std::uint32_t body_line = reader->next_line();
  const std::size_t body = bytes.size() - body_begin;
  head = Window();

  // The cuts: each just after a line end, at or past an equal share of the body.
  if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t workers = std::min<std::size_t>(jobs, std::max<std::size_t>(1, body / kBytesPerPiece));
  const std::size_t pieces = workers == 1 ? 1 : std::max(workers, body / kPieceBytes);
  std::vector<std::size_t> cut{body_begin};
  for (std::size_t k = 1; k < pieces; ++k) {
    std::size_t at = std::max(body_begin + body * k / pieces, cut.back() + 1), lf = bytes.size();
    Window probe;
    for (; at < bytes.size() && lf == bytes.size(); at = probe.offset + probe.size) {
      if (!probe.load(bytes, at, kHeaderWindowBytes, why)) return cannot_read();
      if (const void* p = std::memchr(probe.begin(), '\n', probe.size))
        lf = probe.offset_of(static_cast<const char*>(p));
    }
    if (lf + 1 >= bytes.size()) break;
    cut.push_back(lf + 1);
  }
  const std::size_t n = cut.size();
  cut.push_back(bytes.size());

  // First reading: the line ends of each piece (none for a single piece).
  if (windows.size() < workers) windows.resize(workers);
  const bool one_piece = n == 1;
  std::vector<std::size_t> line_ends(n);
  std::vector<std::string> read_errors(n);
  if (!one_piece) each_piece(n, workers, [&](std::size_t k, std::size_t worker) {
    Window& w = windows[worker];
    for (std::size_t at = cut[k]; at < cut[k + 1]; at += w.size) {
      if (!w.load(bytes, at, std::min(kWindowBytes, cut[k + 1] - at), read_errors[k])) return;
      line_ends[k] += scan::count_line_ends(w.begin(), w.end());
    }
  });
  for (const std::string& e : read_errors)
    if (!e.empty()) {
      why = e;
      return cannot_read();
    }

  // Room for a record on every line of the body (rows never outnumber lines).
  // Piece k's records go from the place of its first line on: any gaps (blank
  // lines, cells over several lines, rows not read) are closed after.
  std::vector<T>& records = data.*entity.records;
  const std::size_t first = records.size();
  std::vector<std::size_t> place(n + 1, first);
  for (std::size_t k = 0; k < n; ++k) place[k + 1] = place[k] + line_ends[k];
  ++place[n];  // the last line need not end
  if (!one_piece) reserve_on_huge_pages(records, place[n] - first);
  // The room is faulted in by every thread at once, a huge page at a time
  // (a share each left one thread zeroing dear pages while the other waited),
  // then filled with empty records.
  if (workers > 1) {
    char* const room = reinterpret_cast<char*>(records.data() + first);
    const std::size_t bytes = (records.capacity() - first) * sizeof(T);
    constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;  // parts meet at huge page bounds
    const auto at = reinterpret_cast<std::uintptr_t>(room);
    const std::size_t lead = std::min<std::size_t>(bytes, ((at + kHuge - 1) & ~(kHuge - 1)) - at);
    const std::size_t parts = (bytes + kPopulateBytes - 1) / kPopulateBytes;
    const auto edge = [&](std::size_t k) { return k == 0 ? 0 : std::min(bytes, lead + (k - 1) * kPopulateBytes); };
    each_piece(parts + 1, workers, [&](std::size_t k, std::size_t) {
      if (edge(k + 1) > edge(k)) populate_pages(room + edge(k), edge(k + 1) - edge(k));
    });
  }
  // (Several pieces) the records are made empty a piece at a time by this
  // thread while the others read the pieces already made (std::vector makes
  // them on one thread: 1M lines' records, 120 MB, took 14-25 ms with the
  // other core idle), into the room reserved above, which does not move.
  static_assert(std::is_nothrow_default_constructible_v<T>, "a resize within the room reserved cannot fail");
  T* const room_start = records.data();
  std::atomic<std::size_t> made{one_piece ? n : 0};  // the pieces whose records exist
  const auto make_records = [&] {
    for (std::size_t k = made.load(std::memory_order_relaxed); k < n; ++k) {
      records.resize(place[k + 1]);
      made.store(k + 1, std::memory_order_release);
      made.notify_all();
    }
  };
  const auto line_at = [&](std::size_t k) { return static_cast<std::uint32_t>(body_line + (place[k] - first)); };

  // Second reading: the rows. Each piece reads the rows that start before the
  // next cut, reading on past it to finish the last one.
  struct Read {
    std::size_t count = 0;
    std::size_t start = 0, end = 0;  // where its first row starts, and where the row after its last does
    std::uint32_t end_line = 0;
  };
  std::vector<Read> read(n);
  std::vector<std::vector<std::string>> piece_errors(n);
  // Each thread keeps its text in a store of its own (a store is written by one
  // thread; the first thread's is the book's); the book keeps them all.
  std::vector<TextStore> worker_text(workers);
  bool reserved = false;  // (one piece) the records' vector
  const auto read_piece = [&](std::size_t k, std::size_t worker, std::size_t from, std::uint32_t line) {
    Read& r = read[k];
    r = Read{0, from, from, line};
    std::vector<std::string>& errs = piece_errors[k];
    TextStore& store = worker == 0 ? data.text : worker_text[worker];
    const std::size_t capacity = one_piece ? SIZE_MAX : place[k + 1] > place[k] ? place[k + 1] - place[k] : 0;
    for (std::size_t m; (m = made.load(std::memory_order_acquire)) <= k;) made.wait(m, std::memory_order_acquire);
    Window& w = windows[worker];
    bool first_window = true;
    for (std::size_t want = kWindowBytes; r.end < bytes.size() && r.count < capacity;) {
      // Up to the next cut (a line end) at first; further when a row goes on past it.
      const std::size_t size = want == kWindowBytes && r.end < cut[k + 1] ? std::min(want, cut[k + 1] - r.end) : want;
      if (!w.load(bytes, r.end, size, read_errors[k])) return;
      char* rows_end = w.rows_end();
      if (!rows_end) {  // a row longer than the window
        want *= 2;
        continue;
      }
      CsvReader rows(w.begin(), rows_end, r.end_line, file, errs);
      if (first_window) {
        rows.next_starts_at(rows_end);
        r.start = w.offset_of(rows.position());
        first_window = false;
      }
      const char* stop = cut[k + 1] - w.offset < static_cast<std::size_t>(rows_end - w.begin())
                             ? w.begin() + (cut[k + 1] - w.offset)
                             : rows_end;
      const bool check_utf8 = !encoding::is_utf8({w.begin(), static_cast<std::size_t>(rows_end - w.begin())});
      std::size_t room = capacity - r.count;
      if (one_piece) {  // room for a record on each line of the window
        const auto span = static_cast<std::size_t>(rows_end - w.begin());
        room = scan::count_line_ends(w.begin(), rows_end) + 1;
        if (!reserved) {  // for the table at the first window's density
          reserved = true;
          reserve_on_huge_pages(records, detail::lines_at_density(room, span, body));
        }
        records.resize(place[k] + r.count + room);
      }
      r.count += read_rows(entity, header, rows, stop, check_utf8, file, file_number,
                           (one_piece ? records.data() : room_start) + place[k] + r.count, room, store, errs);
      if (rows.unterminated_at() && !w.whole_rest) {  // its quote may close past the window
        errs.pop_back();
        r.end = w.offset_of(rows.unterminated_at());
        r.end_line = rows.line();
        want *= 2;
        continue;
      }
      r.end = w.offset_of(rows.position());
      r.end_line = rows.next_line();
      if (r.end >= cut[k + 1] || rows.position() < rows_end) break;
    }
  };
  each_piece(
      n, workers, [&](std::size_t k, std::size_t worker) { read_piece(k, worker, cut[k], line_at(k)); }, make_records);
  for (std::size_t k = 1; k < n; ++k) {
    // Piece k - 1 ended where piece k's first row starts, or at the cut itself
    // (its window ends there: blank lines at the cut are piece k's to skip).
    if (read[k].start == read[k - 1].end || read[k - 1].end == cut[k]) continue;
    // Piece k began inside a row of piece k - 1: read it again from where that
    // row ends, into records as made (a row leaves its empty cells' fields alone).
    // (The texts of its first reading stay in their store, unused.)
    std::fill_n(records.begin() + static_cast<std::ptrdiff_t>(place[k]), read[k].count, T{});
    piece_errors[k].clear();
    const Read& before = read[k - 1];
    place[k] = first + (before.end_line - body_line);
    if (before.end >= cut[k + 1] || place[k] >= place[k + 1]) {
      read[k] = Read{0, before.end, before.end, before.end_line};
      place[k] = place[k + 1];
      continue;
    }
    read_piece(k, 0, before.end, before.end_line);
  }
  for (const std::string& e : read_errors) {
    if (e.empty()) continue;
    records.resize(first);
    why = e;
    return cannot_read();
  }

  std::size_t kept = first;
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < read[k].count; ++i, ++kept)
      if (kept != place[k] + i) records[kept] = std::move(records[place[k] + i]);
  records.resize(kept);
  for (std::size_t w = 1; w < workers; ++w) data.text.keep(worker_text[w]);
  for (auto& e : piece_errors) std::move(e.begin(), e.end(), std::back_inserter(errors));
}

/// Reads one entity's file into `data`; every problem goes to `errors`. A
/// regular file is read a window at a time; anything else (a pipe) whole.
template <class T>
void read_entity_file(const Entity<T>& entity, const fs::path& path, BookData& data,
                      std::vector<std::string>& errors, unsigned jobs, std::vector<Window>& windows) {
  const Text file = data.intern_file(path.string());
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    errors.push_back(std::string(file) + ": cannot read the file: " + std::strerror(errno));
    return;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
    return read_table(entity, TableBytes(fd, static_cast<std::size_t>(st.st_size)), file, data, errors, jobs,
                      windows);
  detail::FileBytes buffer;
  std::string why;
  if (!detail::read_whole_file(path, buffer, why)) {
    errors.push_back(std::string(file) + ": cannot read the file: " + why);
    return;
  }
  read_table(entity, TableBytes(buffer.data.get(), buffer.size), file, data, errors, jobs, windows);
}

/// Reads every entity file of `dir`; `need_invoices`: a missing invoices.csv or
/// invoice_lines.csv is an error.
BookData read_directory(const fs::path& dir, bool need_invoices, unsigned jobs) {
  BookData data;
  std::vector<std::string> errors;
  std::vector<Window> windows;  // one per piece, for every file
  fields::for_each_entity([&](const auto& entity) {
    fs::path path = dir / (std::string(entity.name) + ".csv");
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      if (need_invoices && (entity.name == fields::kInvoices.name || entity.name == fields::kLines.name))
        errors.push_back(path.string() + ": file not found; a book needs invoices.csv and invoice_lines.csv");
      return;
    }
      read_entity_file(entity, path, data, errors, jobs, windows);
  });
  fields::note_problems_stopped(errors, dir.string());
  if (!errors.empty()) throw BookError(std::move(errors));
  return data;
}

}  // namespace

BookData read_csv_directory(const std::filesystem::path& dir, unsigned jobs) { return read_directory(dir, true, jobs); }

BookData read_csv_reference(const std::filesystem::path& dir) { return read_directory(dir, false, 0); }

BookData detail::read_csv_tables(std::string text, std::string_view name) {
  BookData data;
  std::vector<std::string> errors;
  std::vector<Window> windows;
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
      read_table(entity, TableBytes(begin, bytes), file, data, errors, 1, windows);
    });
    if (!known) errors.push_back(std::string(name) + ": '" + std::string(entity_name) + "' is not a table of a book");
    at = eol + 1 + bytes;
  }
  fields::note_problems_stopped(errors, name);
  if (!errors.empty()) throw BookError(std::move(errors));
  return data;
}

}  // namespace billcheck
