// Reading LEDES 1998B invoice files: `LEDES1998B[]`, a header naming the 24
// fields, then one record per invoice line, fields separated by `|` and each
// record closed by `[]`. Every line repeats its invoice's fields; the first
// line of an invoice makes the Invoice and the others must agree with it.
//
// Records end at `[]`, not at a line break: some producers wrap long records,
// so a line break inside a record is dropped (the format allows none there).
#include <billcheck/load.hpp>
#include <billcheck/id_map.hpp>
#include <billcheck/memory.hpp>

#include "load/encoding.hpp"
#include "load/file.hpp"
#include "load/ledes_file.hpp"
#include "load/scan.hpp"
#include "schema/columns.hpp"
#include "schema/ledes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <cstring>
#include <deque>
#include <optional>
#include <cstdint>

namespace billcheck {
namespace {

using namespace ledes;
using detail::TableBytes;
using detail::Window;

/// One `|`-separated field, with the line it starts on: a view of the file's
/// text, or of the record's `joined` when the field spans a line break.
struct Cell {
  std::string_view text;
  std::uint32_t line = 0;
};

/// A record's cells: room that only grows, and a count, so that adding a cell
/// is two stores and an increment (std::vector's emplace_back was a call for
/// each, a tenth of a load).
class Cells {
 public:
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  const Cell& operator[](std::size_t i) const { return room_[i]; }
  const Cell* begin() const { return room_.get(); }
  const Cell* end() const { return room_.get() + size_; }
  void emplace_back(std::string_view text, std::uint32_t line) {
    if (size_ == capacity_) grow();
    // Each member stored in place: a Cell built apart and copied in stalls on store forwarding.
    Cell& cell = room_[size_++];
    cell.text = text;
    cell.line = line;
  }

 private:
  [[gnu::noinline]] void grow() {
    const std::size_t capacity = std::max<std::size_t>(32, 2 * capacity_);
    auto room = std::make_unique<Cell[]>(capacity);
    std::copy(room_.get(), room_.get() + size_, room.get());
    room_ = std::move(room);
    capacity_ = capacity;
  }

  std::unique_ptr<Cell[]> room_;
  std::size_t size_ = 0, capacity_ = 0;
};

/// One `[]`-terminated record and the lines it spans.
struct Record {
  Cells cells;
  std::uint32_t first_line = 0;
  std::uint32_t last_line = 0;
  /// The fields that span a line break, without their line breaks (rare): a
  /// deque, so that the views of earlier ones stay valid as more are added.
  std::deque<std::string> joined;
};

/// `file:line: field 'NAME': what is wrong`.
std::string field_error(std::string_view file, std::uint32_t line, std::string_view field, std::string_view what) {
  return fields::located(file, line, "field '" + std::string(field) + "': " + std::string(what));
}

std::string header_text() {
  std::string text;
  for (std::string_view name : kFieldNames) text += (text.empty() ? "" : "|") + std::string(name);
  return text + "[]";
}

/// Splits the text after the first line into records.
class RecordReader {
 public:
  RecordReader(std::string_view text, std::uint32_t line)
      : text_(text), line_(line), stops_(text.data(), text.data() + text.size()) {}

  /// The next record; false at the end of the text. A record that never reaches
  /// its `[]` comes back with `terminated` false. Its cells are valid until the next call.
  bool next(Record& record, bool& terminated) {
    skip_space();
    if (pos_ >= text_.size()) return false;
    record.cells.clear();
    record.joined.clear();
    record.first_line = line_;
    terminated = false;
    const char* const begin = text_.data();
    const char* const end = begin + text_.size();
    const char* p = begin + pos_;
    if (const char* after = fast_record(record, p, end)) {
      pos_ = static_cast<std::size_t>(after - begin);
      record.last_line = line_;
      terminated = true;
      return true;
    }
    record.cells.clear();
    // The current field: [start, p) of the text, unless it spans a line break
    // (then `joined`, the record's last string, holds it so far).
    const char* start = p;
    std::uint32_t cell_line = line_;
    bool spans = false;
    const auto finish_cell = [&](const char* stop) {
      if (!spans) {
        record.cells.emplace_back(std::string_view(start, static_cast<std::size_t>(stop - start)), cell_line);
      } else {
        record.joined.back().append(start, stop);
        record.cells.emplace_back(record.joined.back(), cell_line);
        spans = false;
      }
    };
    for (;;) {
      p = stops_.next(p);
      if (p == end) {
        finish_cell(p);
        break;
      }
      const char c = *p;
      if (c == '[') {
        if (p + 1 < end && p[1] == ']') {
          finish_cell(p);
          p += 2;
          terminated = true;
          break;
        }
        ++p;  // a '[' of the text
        continue;
      }
      if (c == '|') {
        finish_cell(p);
        start = ++p;
        cell_line = line_;
        continue;
      }
      // A line break inside the record is dropped: the field so far goes to `joined`.
      if (!spans) record.joined.emplace_back();
      spans = true;
      record.joined.back().append(start, p);
      if (c == '\n') ++line_;
      start = ++p;
    }
    pos_ = static_cast<std::size_t>(p - begin);
    record.last_line = line_;
    return true;
  }

  /// The line the reader is on, and how many bytes it has read.
  std::uint32_t line() const { return line_; }
  std::size_t read() const { return pos_; }

 private:
  /// Reads a common record whole: on one line, ending with `[]`, all of it at
  /// least 16 bytes before the end of the text. The stops of each 16 bytes
  /// ('|', '[', LF, CR) are found at once, as a mask, and the fields taken
  /// from its bits, where the careful reader below asks the StopFinder for
  /// each field's end (its calls and checks were a third of a load). Returns
  /// where the record ends, or null for anything else (a line break in the
  /// record, the text's end), which the careful reader then reads from `p`.
  const char* fast_record(Record& record, const char* p, const char* end) {
#if defined(__SSE2__)
    const char* start = p;
    for (const char* chunk = p; end - chunk >= 16; chunk += 16) {
      for (unsigned m = scan::stops_in_16<'|', '[', '\n', '\r'>(chunk); m != 0; m &= m - 1) {
        const char* const s = chunk + std::countr_zero(m);
        const char c = *s;
        if (c == '|') {
          record.cells.emplace_back(std::string_view(start, static_cast<std::size_t>(s - start)), line_);
          start = s + 1;
          continue;
        }
        if (c != '[') return nullptr;  // a line break inside the record
        if (end - s >= 2 && s[1] == ']') {
          record.cells.emplace_back(std::string_view(start, static_cast<std::size_t>(s - start)), line_);
          return s + 2;
        }  // else a '[' of the text
      }
    }
#else
    (void)record, (void)p, (void)end;
#endif
    return nullptr;
  }

  void skip_space() {
    while (pos_ < text_.size() && fields::is_space(text_[pos_])) {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_;
  /// Where the characters that end a field or a record are: '|', '[', LF, CR.
  scan::StopFinder<'|', '[', '\n', '\r'> stops_;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && fields::is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && fields::is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

/// The fields every line of an invoice repeats.
constexpr Field kInvoiceFields[] = {kInvoiceDate,        kClientId,  kLawFirmMatterId, kInvoiceTotal,  kBillingStartDate,
                                   kBillingEndDate,     kInvoiceDescription, kLawFirmId, kClientMatterId};

/// Turns records into invoices, lines and timekeepers, collecting every error.
class LedesBuilder {
 public:
  LedesBuilder(Text file, BookData& data, std::vector<std::string>& errors)
      : file_(file),
        file_number_(data.file_number(file)),
        data_(data),
        errors_(errors),
        fee_(data.add_text("fee")),
        expense_(data.add_text("expense")) {}

  /// The text the next records' cells are views of: the whole file, or a
  /// window of it. Where it holds a byte that is not UTF-8, each field is checked.
  void reading(std::string_view text) { check_utf8_ = !encoding::is_utf8(text); }

  /// Room for `n` invoices' first lines, and their places.
  void reserve_invoices(std::size_t n) {
    reserve_on_huge_pages(firsts_, n - std::min(n, firsts_.size()));
    invoice_places_.reserve(n);
  }

  /// Maps the header's names to the standard fields; false when the header is
  /// missing or lacks a standard field (the records cannot be read then).
  bool header(const Record& record) {
    slots_.fill(-1);
    bool any_known = false;
    for (const Cell& cell : record.cells) {
      if (auto at = encoding::invalid_utf8_at(cell.text); at != std::string_view::npos) {
        errors_.push_back(fields::located(file_, cell.line, "the header: " + encoding::utf8_problem(cell.text, at)));
        return false;  // the fields cannot be named
      }
    }
    for (std::size_t i = 0; i < record.cells.size(); ++i) {
      const std::string name = upper(trim(record.cells[i].text));
      const auto* known = std::find(kFieldNames.begin(), kFieldNames.end(), name);
      if (known == kFieldNames.end()) {
        extras_.push_back({i, std::string(trim(record.cells[i].text))});
        names_.emplace_back(extras_.back().name);
        continue;
      }
      names_.emplace_back(*known);
      any_known = true;
      int& slot = slots_[static_cast<std::size_t>(known - kFieldNames.begin())];
      if (slot >= 0)
        errors_.push_back(field_error(file_, record.cells[i].line, name, "appears twice in the header; keep one"));
      else
        slot = static_cast<int>(i);
    }
    width_ = record.cells.size();
    if (!any_known) {
      errors_.push_back(fields::located(file_, record.first_line,
                                        "the header is missing: the line after 'LEDES1998B[]' must name the fields, " +
                                            header_text()));
      return false;
    }
    bool complete = true;
    for (std::size_t f = 0; f < kFieldCount; ++f) {
      if (slots_[f] >= 0) continue;
      errors_.push_back(field_error(file_, record.first_line, kFieldNames[f],
                                    "missing from the header (a LEDES 1998B header names all 24 fields: " +
                                        header_text() + ")"));
      complete = false;
    }
    return complete;
  }

  void record(const Record& record) {
    if (record.cells.size() != width_) {
      std::string what = "the record has " + std::to_string(record.cells.size()) + " fields, the header has " +
                         std::to_string(width_) + " (fields are separated by '|'";
      if (record.cells.size() > width_ && record.last_line > record.first_line)
        what += "; the record runs on to line " + std::to_string(record.last_line) + ": is the '[]' missing at the end of line " +
                std::to_string(record.first_line) + "?)";
      else
        what += " and a record ends with '[]')";
      errors_.push_back(fields::located(file_, record.first_line, what));
      return;
    }
    if (check_utf8_ && !all_utf8(record)) return;
    cells_ = &record.cells;
    ok_ = true;

    InvoiceLine line;
    line.source = Source{file_number_, record.first_line};
    line.invoice_id = required_text(kInvoiceNumber);
    // An invoice's lines are usually together: the last line's invoice is tried
    // first. Another's place is looked up once the line is read: its slot is
    // fetched meanwhile (a new invoice's look-up waited on memory: 29% of this
    // function's time in a 1M-line load).
    const bool last_invoice = last_invoice_ < firsts_.size() && firsts_[last_invoice_].id == line.invoice_id;
    if (!last_invoice) invoice_places_.prefetch(line.invoice_id);
    integer(kLineItemNumber, line.line_no, true);
    const std::string_view type = required(kLineType);  // any case
    const bool fee = fields::equals_lower(type, "f");
    const bool itemised = fee || fields::equals_lower(type, "e");
    if (itemised) {
      line.type = fee ? fee_ : expense_;
    } else if (fields::equals_lower(type, "if") || fields::equals_lower(type, "ie")) {
      // Invoice-level adjustments: the arithmetic is the same as any line's, but
      // they bill no hours at a rate, so fee-line rules must not read them as fees.
      line.type = data_.add_text("adjustment");
      line.extra.values.emplace_back(data_.add_text(kLineTypeExtra), data_.add_text(upper(type)));
    } else if (!type.empty()) {
      fail(kLineType, fields::quoted(upper(type)) + " is not a line type (use F for a fee, E for an expense, IF or IE "
                                                    "for an invoice-level fee or expense adjustment)");
    }
    const char* itemised_hint = " (F and E lines state their units and unit cost)";
    decimal(kUnits, line.quantity, itemised, itemised_hint);
    decimal(kUnitCost, line.rate, itemised, itemised_hint);
    std::optional<Decimal> adjustment;
    decimal(kAdjustment, adjustment);
    line.adjustment = adjustment;
    decimal(kLineTotal, line.amount, true);
    date(kLineDate, line.date);
    line.task_code = text(kTaskCode);
    line.expense_code = text(kExpenseCode);
    line.activity_code = text(kActivityCode);
    line.timekeeper_id = text(kTimekeeperId);
    line.description = text(kLineDescription);
    for (const Extra& e : extras_)
      if (!record.cells[e.at].text.empty())
        line.extra.values.emplace_back(data_.add_text(e.name), data_.add_text(record.cells[e.at].text));

    Timekeeper timekeeper;
    bool new_timekeeper = false;  // the first line naming them makes the Timekeeper
    if (!line.timekeeper_id.empty()) {
      const char* hint = " (a line naming a timekeeper gives their name and classification)";
      timekeeper.id = line.timekeeper_id;
      // Checked on every line that names the timekeeper, stored from the first
      // (their texts stored on every line were a tenth of a load).
      const std::string_view name = required(kTimekeeperName, hint);
      const std::string_view classified = required(kTimekeeperClassification, hint);
      new_timekeeper = !timekeeper_places_.find(timekeeper.id, timekeeper_id());
      if (new_timekeeper) {
        timekeeper.name = data_.add_text(name);
        const Text classification = data_.add_text(classified);
        timekeeper.role = data_.add_text(role_of(classification));
        if (!classification.empty())
          timekeeper.extra.values.emplace_back(data_.add_text(kClassificationExtra), classification);
      }
      timekeeper.source = line.source;
    }

    // An invoice is made from its first line. A later line that repeats its
    // fields as written (as they nearly always do) is not read again: it
    // would make the same Invoice, with no error.
    const FirstLine* first = last_invoice ? &firsts_[last_invoice_] : nullptr;
    if (!first)
      if (const std::uint32_t* place = invoice_places_.find(line.invoice_id, first_id())) {
        last_invoice_ = *place;
        first = &firsts_[*place];
      }
    if (!first || !repeats(*first, record)) {
      Invoice invoice = read_invoice(record);
      if (!ok_) return;
      if (first && !same_as_first(*first, invoice.id, record)) return;
      if (!first) {
        bool added = false;
        last_invoice_ = invoice_places_.emplace(invoice.id, added, first_id()) = static_cast<std::uint32_t>(firsts_.size());
        firsts_.push_back(first_line_of(invoice.id, record));
        data_.invoices.push_back(std::move(invoice));
      }
    }
    if (!ok_) return;
    if (new_timekeeper) {
      bool added = false;
      timekeeper_places_.emplace(timekeeper.id, added, timekeeper_id()) = static_cast<std::uint32_t>(timekeeper_ids_.size());
      timekeeper_ids_.push_back(timekeeper.id);
      data_.timekeepers.push_back(std::move(timekeeper));
    }
    data_.lines.push_back(std::move(line));
  }

 private:
  /// The first line read of an invoice, which the others must repeat: its
  /// invoice fields (kInvoiceFields), their bytes one after another in
  /// `kept_`. 56 bytes an invoice and the bytes: a view of each field made it
  /// 160, and a windowed file's invoices had a std::string each besides;
  /// zeroing that fresh memory was a tenth of a 1M-line book's load.
  struct FirstLine {
    Text id;
    Text fields;
    std::uint32_t line;
    std::array<std::uint32_t, std::size(kInvoiceFields)> ends;  // where each field ends in `fields`

    std::string_view field(std::size_t j) const {
      const std::uint32_t from = j == 0 ? 0 : ends[j - 1];
      return {fields.data() + from, ends[j] - from};
    }
  };

  FirstLine first_line_of(Text id, const Record& record) {
    FirstLine first{id, Text(), record.first_line, {}};
    joined_.clear();
    for (std::size_t j = 0; j < std::size(kInvoiceFields); ++j) {
      joined_ += record.cells[static_cast<std::size_t>(slots_[kInvoiceFields[j]])].text;
      first.ends[j] = static_cast<std::uint32_t>(joined_.size());
    }
    first.fields = kept_.add(joined_);
    return first;
  }

  /// Whether `record` repeats the invoice fields of `first` as written.
  bool repeats(const FirstLine& first, const Record& record) const {
    for (std::size_t j = 0; j < std::size(kInvoiceFields); ++j) {
      // Compared inline: a call to memcmp for each field was 2% of a load.
      const std::string_view now = record.cells[static_cast<std::size_t>(slots_[kInvoiceFields[j]])].text;
      const std::string_view was = first.field(j);
      if (now.size() != was.size() || !scan::same_bytes(now.data(), was.data(), now.size())) return false;
    }
    return true;
  }

  Invoice read_invoice(const Record& record) {
    Invoice invoice;
    invoice.source = Source{file_number_, record.first_line};
    invoice.id = required_text(kInvoiceNumber, "", /*report=*/false);  // reported once, for the line
    invoice.client_id = required_text(kClientId);
    invoice.engagement_id = text(kLawFirmMatterId);
    date(kInvoiceDate, invoice.issue_date, true);
    date(kBillingStartDate, invoice.period_start);
    date(kBillingEndDate, invoice.period_end);
    decimal(kInvoiceTotal, invoice.total, true);
    invoice.currency = data_.add_text("USD");  // LEDES 1998B has no currency; load_book may set the client's
    const std::pair<Field, std::string_view> extras[] = {{kInvoiceDescription, kInvoiceDescriptionExtra},
                                                         {kLawFirmId, kLawFirmIdExtra},
                                                         {kClientMatterId, kClientMatterIdExtra}};
    for (const auto& [field, name] : extras)
      if (Text value = text(field); !value.empty()) invoice.extra.values.emplace_back(data_.add_text(name), value);
    return invoice;
  }

  /// Whether every field of `record` is UTF-8; reports each one that is not.
  bool all_utf8(const Record& record) {
    bool all = true;
    for (std::size_t i = 0; i < record.cells.size(); ++i) {
      const Cell& cell = record.cells[i];
      if (auto at = encoding::invalid_utf8_at(cell.text); at != std::string_view::npos) {
        errors_.push_back(field_error(file_, cell.line, names_[i], encoding::utf8_problem(cell.text, at)));
        all = false;
      }
    }
    return all;
  }

  /// Whether this record repeats the invoice fields of the invoice's first line
  /// (numbers compare by value: `1250.` is `1250.00`); reports each difference.
  bool same_as_first(const FirstLine& first, Text invoice_id, const Record& record) {
    bool same = true;
    for (std::size_t j = 0; j < std::size(kInvoiceFields); ++j) {
      const Field f = kInvoiceFields[j];
      const auto slot = static_cast<std::size_t>(slots_[f]);
      const std::string_view was = first.field(j);
      const Cell& now = record.cells[slot];
      if (now.text == was) continue;
      if (f == kInvoiceTotal) {
        auto a = Decimal::parse(was), b = Decimal::parse(now.text);
        if (a && b && *a == *b) continue;
      }
      errors_.push_back(field_error(file_, now.line, kFieldNames[f],
                                    fields::quoted(now.text) + " differs from " + fields::quoted(was) + " on line " +
                                        std::to_string(first.line) + " (every line of invoice " + invoice_id +
                                        " repeats the same invoice fields)"));
      same = false;
    }
    return same;
  }

  const Cell& cell(Field f) const { return (*cells_)[static_cast<std::size_t>(slots_[f])]; }

  void fail(Field f, const std::string& why) {
    errors_.push_back(field_error(file_, cell(f).line, kFieldNames[f], why));
    ok_ = false;
  }

  /// The field's text, held by the book.
  Text text(Field f) { return kept_text(f, cell(f).text); }

  Text required_text(Field f, std::string_view hint = "", bool report = true) {
    return kept_text(f, required(f, hint, report));
  }

  /// `value` (field f's) held by the book: the Text made for the record before
  /// when it repeats that record's f (the invoice number on each of its lines,
  /// the codes, the timekeeper), as the CSV reader does (detail::LastTexts).
  Text kept_text(Field f, std::string_view value) {
    Text& last = last_texts_[f];
    if (last.size() == value.size() && scan::same_bytes(last.data(), value.data(), value.size())) return last;
    return last = data_.add_text(value);
  }

  /// The field's text, reported when it is missing.
  std::string_view required(Field f, std::string_view hint = "", bool report = true) {
    const std::string_view value = cell(f).text;
    if (value.empty()) {
      if (report) fail(f, "required value missing" + std::string(hint));
      ok_ = false;
    }
    return value;
  }

  template <class V>
  void decimal(Field f, V& out, bool required = false, std::string_view hint = "") {
    const std::string_view value = cell(f).text;
    if (value.empty()) {
      if (required) fail(f, "required value missing" + std::string(hint));
      return;
    }
    Decimal d;
    std::string why;
    if (!fields::parse_decimal(value, d, why)) return fail(f, why);
    out = d;
  }

  template <class I>
  void integer(Field f, I& out, bool required) {
    const std::string_view value = cell(f).text;
    if (value.empty()) {
      if (required) fail(f, "required value missing");
      return;
    }
    std::string why;
    if (!fields::parse_integer(value, out, why)) fail(f, why);
  }

  template <class V>
  void date(Field f, V& out, bool required = false) {
    const std::string_view value = cell(f).text;
    if (value.empty()) {
      if (required) fail(f, "required value missing");
      return;
    }
    // A date of eight bytes that repeats the record before's f (a day's
    // lines) takes its value: comparing a word costs less than reading it.
    std::uint64_t bytes = 0;
    LastDate& last = last_dates_[f];
    if (value.size() == sizeof bytes) {
      std::memcpy(&bytes, value.data(), sizeof bytes);
      if (last.bytes != 0 && last.bytes == bytes) {
        out = last.date;
        return;
      }
    }
    if (auto d = Date::parse_compact(value)) {
      out = *d;
      if (bytes != 0) last = {bytes, *d};
      return;
    }
    fail(f, fields::invalid(value, "is not a date", " (expected YYYYMMDD)"));
  }

  // IdMap's key_of: the id a number stands for.
  struct FirstId {
    const LedesBuilder* b;
    Text operator()(std::uint32_t k) const { return b->firsts_[k].id; }
  };
  struct TimekeeperId {
    const LedesBuilder* b;
    Text operator()(std::uint32_t k) const { return b->timekeeper_ids_[k]; }
  };
  FirstId first_id() const { return {this}; }
  TimekeeperId timekeeper_id() const { return {this}; }

  Text file_;
  std::uint32_t file_number_;  // file_'s, for Source
  BookData& data_;
  std::vector<std::string>& errors_;
  const Text fee_, expense_;  // the line types F and E become
  std::array<int, kFieldCount> slots_{};
  bool check_utf8_ = false;
  // The header's non-standard fields: where each is, and its name. (A name for
  // every position, most of them empty, asked on every line, was 5% of a load.)
  struct Extra {
    std::size_t at;
    std::string name;
  };
  std::vector<Extra> extras_;
  std::vector<std::string> names_;        // per header position: the field's name
  std::size_t width_ = 0;
  // Each invoice's first line, and where it is by the invoice's id (flat, with
  // each id's hash: node-based maps, rehashed as they grew, were a tenth of a load).
  std::vector<FirstLine> firsts_;
  IdMap invoice_places_;
  std::size_t last_invoice_ = SIZE_MAX;  // the last line's, in firsts_
  TextStore kept_;      // the bytes of first lines' invoice fields (the builder's, not the book's)
  std::string joined_;  // a first line's invoice fields, joined as kept_ takes them
  std::vector<Text> timekeeper_ids_;  // each one's first line made a Timekeeper
  IdMap timekeeper_places_;

  std::array<Text, kFieldCount> last_texts_{};  // by field: the text the record before gave it (kept_text)
  struct LastDate {
    std::uint64_t bytes = 0;  // the eight bytes of a date read (0: none)
    Date date;
  };
  std::array<LastDate, kFieldCount> last_dates_{};  // by field: the last date of eight bytes read (date)

  const Cells* cells_ = nullptr;
  bool ok_ = true;
};

/// The first line, without a byte order mark or its line break.
std::string_view first_line(std::string_view text, std::size_t& rest) {
  std::size_t start = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;
  std::size_t end = text.find('\n', start);
  rest = end == std::string_view::npos ? text.size() : end + 1;
  std::string_view line = text.substr(start, (end == std::string_view::npos ? text.size() : end) - start);
  return trim(line);
}

}  // namespace

bool ledes::is_ledes_text(std::string_view text) {
  std::size_t rest = 0;
  if (first_line(text, rest) == kFirstLine) return true;
  // A file with CR-only line endings is LEDES too; read_ledes_text says what is wrong with it.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text.starts_with(kFirstLine) && text.substr(kFirstLine.size()).starts_with('\r');
}

namespace {

/// Reading a LEDES file: its first line and header, then its records, from
/// the whole text or a window at a time.
class LedesReader {
 public:
  explicit LedesReader(const std::string& name) : file_(data_.intern_file(name)), builder_(file_, data_, errors_) {}

  /// Reads the first line and the header from `text`, the start of the file;
  /// returns where the records start, and sets `line` to the line they start
  /// on. Throws BookError when the text is not LEDES 1998B with a header.
  std::size_t header(std::string_view text, std::uint32_t& line) {
    if (std::string problem = encoding::line_ending_problem(text); !problem.empty())
      throw BookError({std::string(file_) + ": " + problem});
    std::size_t rest = 0;
    std::string_view first = first_line(text, rest);
    if (first != kFirstLine) {
      // At most 40 bytes, cut before a split character or a byte that is not UTF-8.
      std::string_view shown = first.substr(0, 40);
      shown = shown.substr(0, std::min(shown.size(), encoding::invalid_utf8_at(shown)));
      throw BookError({fields::located(file_, 1, "not a LEDES 1998B file: the first line must be 'LEDES1998B[]' (it is " +
                                                     fields::quoted(shown) + ")")});
    }
    RecordReader reader(text.substr(rest), 2);
    bool terminated = true;
    builder_.reading(text);
    if (!reader.next(record_, terminated)) {
      errors_.push_back(fields::located(
          file_, 2, "the header is missing: the line after 'LEDES1998B[]' must name the fields, " + header_text()));
      throw BookError(std::move(errors_));
    }
    const bool header_ok = terminated && builder_.header(record_);
    if (!terminated)
      errors_.push_back(fields::located(file_, record_.first_line, "the header does not end with '[]'"));
    if (!header_ok) throw BookError(std::move(errors_));
    line = reader.line();
    return rest + reader.read();
  }

  /// Room for `lines` lines, on huge pages: a vector grown line by line moved
  /// a million lines and faulted their pages in twice over.
  void reserve(std::size_t lines) { reserve_on_huge_pages(data_.lines, lines); }

  /// Room for the invoices of `total` bytes of records, at the density of the
  /// `span` bytes read so far: grown by doubling, the vector faulted in twice
  /// the pages it kept (an estimate too large costs address space only).
  void reserve_invoices(std::size_t span, std::size_t total) {
    const std::size_t now = data_.invoices.size(), invoices = detail::lines_at_density(now, span, total);
    reserve_on_huge_pages(data_.invoices, invoices - now);
    builder_.reserve_invoices(invoices);
  }

  /// Reads the records of `text` from `line` (set to where they end):
  /// records that end in it, or the file's last. False after a record that
  /// does not end: the file ends there.
  bool records(std::string_view text, std::uint32_t& line) {
    builder_.reading(text);
    RecordReader reader(text, line);
    bool terminated = true;
    while (reader.next(record_, terminated)) {
      if (!terminated) {
        errors_.push_back(fields::located(file_, record_.first_line,
                                          "the record does not end with '[]' (every LEDES 1998B record ends with '[]')"));
        return false;
      }
      if (errors_.size() >= fields::kMaxProblems) continue;  // enough listed: the book is not loaded anyway
      builder_.record(record_);
    }
    line = reader.line();
    return true;
  }

  BookData finish() {
    fields::note_problems_stopped(errors_, file_);
    if (!errors_.empty()) throw BookError(std::move(errors_));
    return std::move(data_);
  }

 private:
  BookData data_;
  Text file_;
  std::vector<std::string> errors_;
  LedesBuilder builder_;
  Record record_;
};

/// How much of a large LEDES file is read at once: about a core's L2 cache
/// (8 MB: 2% slower).
constexpr std::size_t kLedesWindowBytes = std::size_t{1} << 20;

/// Where the records that end in [begin, end) end: after the last "[]" (a
/// record ends at its first "[]", whatever it holds), or nullptr.
const char* after_last_record(const char* begin, const char* end) {
  for (const char* p = end; p - begin >= 2;) {
    p = static_cast<const char*>(::memrchr(begin + 1, ']', static_cast<std::size_t>(p - begin - 1)));
    if (!p) return nullptr;
    if (p[-1] == '[') return p + 1;
  }
  return nullptr;
}

}  // namespace

BookData read_ledes_text(std::string_view text, const std::string& name) {
  LedesReader reader(name);
  std::uint32_t line = 1;
  const std::string_view body = text.substr(reader.header(text, line));
  // A line for each line of the file (LEDES files hold a record a line).
  reader.reserve(scan::count_line_ends(body.data(), body.data() + body.size()) + 1);
  reader.records(body, line);
  return reader.finish();
}

BookData read_ledes_file(const std::filesystem::path& file) {
  return detail::read_ledes_file(file, kLedesWindowBytes);
}

BookData detail::read_ledes_file(const std::filesystem::path& file, std::size_t window) {
  // A file larger than two windows is read a window at a time (the records
  // that end in each), so that it is never held whole: at 171 MB for a 1M-line
  // book it was beside the 120 MB of lines it becomes.
  if (const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
    struct stat st {};
    const auto size = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) : 0;
    TableBytes bytes(fd, size);
    Window w;
    std::string why;
    // The first window must hold the first line and the header whole (else the
    // whole file is read, and says what is wrong with it).
    const auto holds_header = [&] {
      const char* line_end = static_cast<const char*>(std::memchr(w.begin(), '\n', w.size));
      return line_end && after_last_record(line_end + 1, w.end()) != nullptr;
    };
    if (size > 2 * window && w.load(bytes, 0, window, why) && holds_header()) {
      struct Close {
        int fd;
        ~Close() { ::close(fd); }
      } closing{fd};
      LedesReader reader(file.string());
      std::uint32_t line = 1;
      std::size_t at = reader.header({w.begin(), w.size}, line);
      // A line for each line of the file, at the first window's density.
      reader.reserve(detail::lines_at_density(scan::count_line_ends(w.begin(), w.end()), w.size, size));
      for (std::size_t want = window, first = at; at < size;) {
        if (!w.load(bytes, at, want, why)) throw BookError({file.string() + ": cannot read the file: " + why});
        const char* end = w.whole_rest ? w.end() : after_last_record(w.begin(), w.end());
        if (!end) {  // no record ends in the window: a larger one
          want *= 2;
          continue;
        }
        const std::size_t n = static_cast<std::size_t>(end - w.begin());
        if (!reader.records({w.begin(), n}, line)) break;
        if (at == first) reader.reserve_invoices(n, size - first);
        at += n;
        want = window;
      }
      return reader.finish();
    }
    ::close(fd);
  }
  detail::FileBytes bytes;
  if (std::string why; !detail::read_whole_file(file, bytes, why))
    throw BookError({file.string() + ": cannot read the file: " + why});
  return read_ledes_text({bytes.data.get(), bytes.size}, file.string());
}

}  // namespace billcheck
