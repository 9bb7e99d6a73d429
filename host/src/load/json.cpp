// Reading a book from one JSON object of entity arrays.
//
// The text goes through simdjson's On-Demand parser: its first stage indexes
// the structure and checks the UTF-8 of the whole text with SIMD, then this
// reader walks the records in one pass. Values are taken as their original
// text (a string's bytes, unescaped only when it holds a backslash; a number's
// token), so numbers reach the shared field setters exactly as written, never
// through a double. A record's line is counted from byte offsets, a few bytes
// ahead of the last one each time, so counting costs one pass over the text.
//
// A file larger than two windows (kJsonWindowBytes) is read a window at a time
// (WindowedReader), each window's whole records parsed as an array, so that
// neither the file nor simdjson's index of it is held whole; a book that does
// not read that way (one with a problem) is read whole, as below. A window of
// plain records (flat, no escapes: what exporters write) is read by hand
// (detail::PlainJson), without simdjson; any other window is simdjson's.
//
// A book that is not JSON is rare and fails anyway, so its error is found by a
// second, plain scan (first_syntax_problem) that knows where the first problem
// is and words it; the records before that point are then read again, so that
// every problem ahead of it is listed as well, as a streaming parser would.
#include <billcheck/load.hpp>
#include <billcheck/memory.hpp>

#include "engine/thread_state.hpp"
#include "load/encoding.hpp"
#include "load/file.hpp"
#include "load/json.hpp"
#include "load/last_texts.hpp"
#include "load/plain_json.hpp"
#include "load/scan.hpp"
#include "schema/columns.hpp"

#include <simdjson.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>

namespace billcheck {
namespace {

namespace od = simdjson::ondemand;
using fields::Entity;
constexpr std::size_t npos = std::string_view::npos;

/// The number of line breaks in [p, p + n).
std::uint32_t count_newlines(const char* p, std::size_t n) {
  return static_cast<std::uint32_t>(scan::count_line_ends(p, p + n));
}

/// The line of byte offsets asked in increasing order (the reader's order):
/// each call counts only the line breaks since the previous one.
class LineCounter {
 public:
  /// `line`: the line `text` starts on.
  explicit LineCounter(std::string_view text, std::uint32_t line = 1) : text_(text), first_(line), line_(line) {}

  std::uint32_t at(std::size_t offset) {
    offset = std::min(offset, text_.size());
    if (offset < offset_) {  // never on the reader's path; kept correct anyway
      offset_ = 0;
      line_ = first_;
    }
    line_ += count_newlines(text_.data() + offset_, offset - offset_);
    offset_ = offset;
    return line_;
  }

 private:
  std::string_view text_;
  std::uint32_t first_;
  std::size_t offset_ = 0;
  std::uint32_t line_;
};

// ---------------------------------------------------------------------------
// Where a text that is not JSON breaks, in the words of a JSON parser.

/// The first place `text` is not JSON, or the token that holds `stop_at` (the
/// first byte that is not UTF-8), whichever comes first.
struct SyntaxProblem {
  std::size_t position = npos;  // the byte that broke the grammar (the last byte at the end of input)
  std::string reason;           // e.g. "unexpected '{'; expected ']'"; empty when stopped at stop_at
  std::size_t cut = 0;          // where the token holding the problem starts: the text before it is JSON
  std::string closers;          // what closes the arrays and objects open at `cut`, innermost first
  bool after_key = false;       // `cut` is where an object's ':' should be
};

constexpr std::string_view kControlNames[] = {"NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL",
                                              "BS",  "HT",  "LF",  "VT",  "FF",  "CR",  "SO",  "SI",
                                              "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB",
                                              "CAN", "EM",  "SUB", "ESC", "FS",  "GS",  "RS",  "US"};

/// Scans `text` with the JSON grammar, iteratively (no depth limit), and
/// words the first problem the way nlohmann::json did before this reader, so
/// that messages stay the same: "unexpected X; expected Y", or a token's own
/// problem with what was read of it.
class SyntaxScanner {
 public:
  SyntaxScanner(std::string_view text, std::size_t stop_at) : s_(text), stop_at_(stop_at) {}

  SyntaxProblem run() {
    enum class Want { value, first_value, key, first_key, colon, next, end };
    Want want = Want::value;
    for (;;) {
      skip_space();
      const std::size_t start = i_;
      after_key_ = want == Want::colon;
      if (start >= stop_at_) return stop(start, "");
      if (start >= s_.size()) {
        if (want == Want::end) return {};  // the whole text is JSON
        const std::string_view what =
            want != Want::next ? want_text(want) : stack_.back() == '{' ? "'}'" : "']'";
        return stop(start, "unexpected end of input" + expected(what));
      }
      const char c = s_[start];
      switch (want) {
        case Want::end:
          return unexpected(start, "end of input");
        case Want::colon:
          if (c != ':') return unexpected(start, "':'");
          ++i_;
          want = Want::value;
          continue;
        case Want::next:
          if (c == ',') {
            ++i_;
            want = stack_.back() == '{' ? Want::key : Want::value;
            continue;
          }
          if (c == (stack_.back() == '{' ? '}' : ']')) {
            ++i_;
            stack_.pop_back();
            want = stack_.empty() ? Want::end : Want::next;
            continue;
          }
          return unexpected(start, stack_.back() == '{' ? "'}'" : "']'");
        case Want::first_key:
          if (c == '}') {
            ++i_;
            stack_.pop_back();
            want = stack_.empty() ? Want::end : Want::next;
            continue;
          }
          [[fallthrough]];
        case Want::key:
          if (c != '"') return unexpected(start, "string literal");
          if (!string()) return with_expected("string literal");
          want = Want::colon;
          continue;
        case Want::first_value:
          if (c == ']') {
            ++i_;
            stack_.pop_back();
            want = stack_.empty() ? Want::end : Want::next;
            continue;
          }
          [[fallthrough]];
        case Want::value:
          if (c == '{' || c == '[') {
            ++i_;
            stack_.push_back(c);
            want = c == '{' ? Want::first_key : Want::first_value;
            continue;
          }
          if (c == '}' || c == ']' || c == ':' || c == ',') return unexpected(start, want_text(want));
          if (!value()) return problem_;
          want = stack_.empty() ? Want::end : Want::next;
          continue;
      }
    }
  }

 private:
  static std::string expected(std::string_view what) { return what.empty() ? "" : "; expected " + std::string(what); }
  static std::string_view want_text(auto want) {
    using W = decltype(want);
    switch (want) {
      case W::value:
      case W::first_value:
        return "'[', '{', or a literal";
      case W::key:
      case W::first_key:
        return "string literal";
      case W::colon:
        return "':'";
      case W::next:
        return "";  // set by the caller
      case W::end:
        return "end of input";
    }
    return "";
  }

  void skip_space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  SyntaxProblem stop(std::size_t at, std::string reason) {
    SyntaxProblem p;
    p.position = reason.empty() ? stop_at_ : at >= s_.size() ? (s_.empty() ? 0 : s_.size() - 1) : at;
    p.reason = std::move(reason);
    p.cut = std::min(at, s_.size());
    p.after_key = after_key_;
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) p.closers += *it == '{' ? '}' : ']';
    return p;
  }

  /// A token where `what` was expected: what it is, in the parser's words.
  SyntaxProblem unexpected(std::size_t start, std::string_view what) {
    const char c = s_[start];
    std::string token;
    switch (c) {
      case '{': token = "'{'"; break;
      case '}': token = "'}'"; break;
      case '[': token = "'['"; break;
      case ']': token = "']'"; break;
      case ':': token = "':'"; break;
      case ',': token = "','"; break;
      case '"':
        if (!string()) return with_expected(what);
        token = "string literal";
        break;
      default:
        if (!value_token(start)) return with_expected(what);
        token = c == 't' ? "true literal" : c == 'f' ? "false literal" : c == 'n' ? "null literal" : "number literal";
        break;
    }
    return stop(start, "unexpected " + token + expected(what));
  }

  /// A token's own problem found while `what` was expected: the parser adds
  /// what it expected, except where a value was (it names none there).
  SyntaxProblem with_expected(std::string_view what) {
    if (what != "'[', '{', or a literal") problem_.reason += expected(what);
    return problem_;
  }

  /// A scalar where a value is expected.
  bool value() { return s_[i_] == '"' ? string() : value_token(i_); }

  /// A number or literal starting at `start`; sets problem_ and returns false when it is not one.
  bool value_token(std::size_t start) {
    const char c = s_[start];
    if (c == 't' || c == 'f' || c == 'n') {
      const std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
      for (std::size_t k = 0; k < word.size(); ++k) {
        if (start + k >= stop_at_) return lexer_stop(start);
        if (start + k >= s_.size() || s_[start + k] != word[k])
          return lexer_error(start, start + k, "invalid literal", read_from_);
      }
      i_ = start + word.size();
      return true;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(start);
    return lexer_error(start, start, "invalid literal", read_from_);
  }

  bool digit(std::size_t k) const { return k < s_.size() && s_[k] >= '0' && s_[k] <= '9'; }

  bool number(std::size_t start) {
    read_from_ = start;
    std::size_t k = start;
    if (s_[k] == '-') {
      ++k;
      if (!digit(k)) return lexer_error(start, k, "invalid number; expected digit after '-'");
    }
    if (s_[k] == '0') {
      ++k;
    } else {
      while (digit(k)) ++k;
    }
    if (k < s_.size() && s_[k] == '.') {
      ++k;
      if (!digit(k)) return lexer_error(start, k, "invalid number; expected digit after '.'");
      while (digit(k)) ++k;
    }
    if (k < s_.size() && (s_[k] == 'e' || s_[k] == 'E')) {
      ++k;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) {
        ++k;
        if (!digit(k)) return lexer_error(start, k, "invalid number; expected digit after exponent sign");
      } else if (!digit(k)) {
        return lexer_error(start, k, "invalid number; expected '+', '-', or digit after exponent");
      }
      while (digit(k)) ++k;
    }
    i_ = k;
    return true;
  }

  bool string() {
    const std::size_t start = i_;
    read_from_ = start;
    std::size_t k = start + 1;
    for (;;) {
      if (k >= stop_at_) return lexer_stop(start);
      if (k >= s_.size()) return lexer_error(start, k, "invalid string: missing closing quote");
      const auto c = static_cast<unsigned char>(s_[k]);
      if (c == '"') break;
      if (c < 0x20) {
        char hex[8];
        std::snprintf(hex, sizeof hex, "%04X", c);
        std::string why = "invalid string: control character U+" + std::string(hex) + " (" +
                          std::string(kControlNames[c]) + ") must be escaped to \\u" + hex;
        if (const char* short_form = std::strchr("\bb\tt\nn\ff\rr", static_cast<char>(c)); short_form && c)
          why += std::string(" or \\") + short_form[1];
        return lexer_error(start, k, why);
      }
      if (c == '\\') {
        ++k;
        if (k >= stop_at_) return lexer_stop(start);
        if (k >= s_.size()) return lexer_error(start, k, "invalid string: forbidden character after backslash");
        const char e = s_[k];
        if (e == 'u') {
          for (int h = 1; h <= 4; ++h) {
            if (k + h >= stop_at_) return lexer_stop(start);
            if (k + h >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[k + h])))
              return lexer_error(start, k + h, "invalid string: '\\u' must be followed by 4 hex digits");
          }
          k += 4;
        } else if (!std::strchr("\"\\/bfnrt", e) || e == '\0') {
          return lexer_error(start, k, "invalid string: forbidden character after backslash");
        }
      }
      ++k;
    }
    i_ = k + 1;
    return true;
  }

  /// The token from `start` runs into the byte that is not UTF-8: stop before the token.
  bool lexer_stop(std::size_t start) {
    problem_ = stop(start, "");
    return false;
  }

  /// A token from `start` that breaks at `at`: "<why>; last read: '<what was read>'",
  /// what was read being counted from `from` (for a word, the parser's words
  /// start at the last string or number, as nlohmann::json's did).
  bool lexer_error(std::size_t start, std::size_t at, const std::string& why) { return lexer_error(start, at, why, start); }
  bool lexer_error(std::size_t start, std::size_t at, const std::string& why, std::size_t from) {
    const std::size_t end = std::min(at + 1, s_.size());
    std::string read;
    constexpr std::size_t kMax = 60;  // a missing quote would quote the rest of the file
    for (std::size_t k = from; k < end && k < from + kMax; ++k) {
      const auto c = static_cast<unsigned char>(s_[k]);
      if (c < 0x20) {
        char buf[12];
        std::snprintf(buf, sizeof buf, "<U+%04X>", c);
        read += buf;
      } else {
        read += static_cast<char>(c);
      }
    }
    if (end > from + kMax) read += "...";
    problem_ = stop(start, why + "; last read: '" + read + "'");
    problem_.position = at >= s_.size() ? (s_.empty() ? 0 : s_.size() - 1) : at;
    return false;
  }

  std::string_view s_;
  std::size_t stop_at_;
  std::size_t i_ = 0;
  std::string stack_;
  std::size_t read_from_ = 0;  // where the last string or number started
  bool after_key_ = false;
  SyntaxProblem problem_;
};

SyntaxProblem first_syntax_problem(std::string_view text, std::size_t stop_at) {
  return SyntaxScanner(text, stop_at).run();
}

// ---------------------------------------------------------------------------
// The records.

/// The text of a scalar token, without the spaces after it.
std::string_view trimmed(std::string_view token) {
  while (!token.empty() && fields::is_space(token.back())) token.remove_suffix(1);
  return token;
}

/// Whether a string's characters hold a backslash (an escape), sixteen bytes at
/// a time: reading on past its end is safe, as the padding follows the text.
/// (find() called memchr for every string.)
bool has_backslash(std::string_view s) {
#if defined(__SSE2__)
  for (std::size_t i = 0; i < s.size(); i += 16) {
    const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    auto hits = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8('\\'))));
    if (s.size() - i < 16) hits &= (1u << (s.size() - i)) - 1;
    if (hits) return true;
  }
  return false;
#else
  return s.find('\\') != std::string_view::npos;
#endif
}

constexpr std::size_t kCountFrom = std::size_t{1} << 20;  // bytes of JSON

/// Walks the document and fills BookData, collecting every problem. Returns
/// false when it met something that is not JSON, or reached `cut` (the point
/// where a broken text stops being JSON, when reading its good part again).
class Reader {
 public:
  Reader(std::string_view text, Text file, BookData& data, std::vector<std::string>& errors,
         std::size_t cut = npos)
      : text_(text), file_(file), file_number_(data.file_number(file)), data_(data), errors_(errors), lines_(text),
        cut_(cut) {}
  /// A window of a larger file (WindowedReader), starting on a line of it.
  struct Window {
    std::uint32_t first_line;
  };
  /// For a window: its records' vector is sized by the caller.
  Reader(std::string_view text, Text file, BookData& data, std::vector<std::string>& errors, Window window)
      : text_(text), file_(file), file_number_(data.file_number(file)), data_(data), errors_(errors),
        lines_(text, window.first_line), cut_(npos), reserve_(false) {}

  bool read(od::document& doc) {
    od::json_type type;
    if (doc.type().get(type)) return false;
    if (type != od::json_type::object) {
      const char* at = nullptr;
      if (doc.current_location().get(at)) return false;
      not_an_object(at);
      return true;  // a book with an error: the caller checks the rest of the text is JSON
    }
    od::object top;
    if (doc.get_object().get(top)) return false;
    for (auto member : top) {
      if (member.error()) return false;
      od::field& field = member.value_unsafe();  // not moved out: a copy of it stalls on store forwarding
      const char* key_at = field.key().raw() - 1;  // before unescaped_key(), which consumes the key
      std::string_view name;
      if (field.unescaped_key().get(name)) return false;
      bool known = false, ok = true;
      fields::for_each_entity([&](const auto& entity) {
        if (!known && entity.name == name) {
          known = true;
          ok = read_entity(field.value(), entity);
        }
      });
      if (!ok) return false;
      if (!known) {
        errors_.push_back(fields::located(file_, line(key_at), "unknown key '" + std::string(name) +
                                                                   "' (a book's keys are " +
                                                                   std::string(fields::kEntityNames) + ")"));
        if (!skip(field.value())) return false;
      }
    }
    // Anything after the book's object is not JSON.
    const char* after = nullptr;
    return doc.current_location().get(after) == simdjson::OUT_OF_BOUNDS;
  }

  /// Reads a document that starts with an array of `entity`'s records (a
  /// window of a larger file); false when it is not JSON. `rest`: where the
  /// text after the array starts, nullptr when the array is all of it.
  template <class T>
  bool read_window(od::document& doc, const Entity<T>& entity, const char*& rest) {
    od::array records;
    if (doc.get_array().get(records) || !read_records(records, entity)) return false;
    rest = nullptr;
    const simdjson::error_code at_end = doc.current_location().get(rest);
    if (at_end == simdjson::OUT_OF_BOUNDS) rest = nullptr;
    return at_end == simdjson::SUCCESS || at_end == simdjson::OUT_OF_BOUNDS;
  }

  /// The line of `at`, at or after the last place read (counted on from there).
  std::uint32_t line_of(const char* at) { return line(at); }

  /// Whether the walk stopped inside a record, after a key and before its
  /// value: a problem there is that column's.
  bool stopped_in_value() const { return in_value_; }
  const std::string& key() const { return key_; }

 private:
  std::uint32_t line(const char* at) { return lines_.at(static_cast<std::size_t>(at - text_.data())); }
  bool reached_cut(const char* at) const { return static_cast<std::size_t>(at - text_.data()) >= cut_; }
  bool past_cut(std::string_view span) const {
    return static_cast<std::size_t>(span.data() + span.size() - text_.data()) > cut_;
  }

  /// Consumes a value the book does not use; false if it is not JSON or runs past the cut.
  bool skip(od::value& value) {
    od::json_type type;
    if (value.type().get(type)) return false;
    std::string_view span;
    if (type == od::json_type::array) {
      od::array a;
      if (value.get_array().get(a) || a.raw_json().get(span)) return false;
    } else if (type == od::json_type::object) {
      od::object o;
      if (value.get_object().get(o) || o.raw_json().get(span)) return false;
    } else {
      std::string_view text;
      bool present = false;
      return scalar(value, text, present);
    }
    return !past_cut(span);
  }

  template <class T>
  bool read_entity(od::value& value, const Entity<T>& entity) {
    const std::string_view token = value.raw_json_token();
    if (token.empty() || reached_cut(token.data())) return false;
    if (token[0] == 'n') {  // null stands for no records, as it stands for no value
      std::string_view text;
      bool present = false;
      return scalar(value, text, present);
    }
    if (token[0] != '[') {
      errors_.push_back(fields::located(file_, line(token.data()), not_an_array(entity.name)));
      return skip(value);
    }
    od::array records;
    if (value.get_array().get(records)) return false;
    return read_records(records, entity);
  }

  template <class T>
  bool read_records(od::array records, const Entity<T>& entity) {
    std::vector<T>& out = data_.*entity.records;
    // One allocation of the right size: growing a vector of a million records
    // moves them and touches twice the memory, page by page.
    // Counting is a pass over the array's tokens: worth it for a big book only.
    if (std::size_t count = 0; reserve_ && text_.size() > kCountFrom && !records.count_elements().get(count))
      reserve_on_huge_pages(out, count);
    const std::uint32_t required = entity.required_mask();
    detail::LastTexts<T> last(entity.columns.size());  // by column
    for (auto element : records) {
      if (element.error()) return false;
      od::value& record = element.value_unsafe();
      if (errors_.size() >= fields::kMaxProblems) {  // enough listed: the rest is walked, not converted
        if (!skip(record)) return false;
        continue;
      }
      const std::string_view token = record.raw_json_token();
      if (token.empty() || reached_cut(token.data())) return false;
      if (token[0] != '{') {
        errors_.push_back(fields::located(file_, line(token.data()), element_not_an_object(entity.name)));
        if (!skip(record)) return false;
        continue;
      }
      od::object object;
      if (record.get_object().get(object)) return false;
      const std::uint32_t record_line = line(token.data());
      T& r = out.emplace_back();
      r.source = Source{file_number_, record_line};
      std::uint32_t seen = 0;
      int next = 0;
      for (auto member : object) {
        if (member.error()) return false;
        od::field& field = member.value_unsafe();
        const od::raw_json_string raw_key = field.key();
        int slot = raw_column(raw_key, entity, next);
        std::string_view key;
        if (slot >= 0) {
          key = entity.columns[static_cast<std::size_t>(slot)].name;
        } else {  // an extra column, or a name written with escapes
          if (field.unescaped_key().get(key)) return false;
          slot = entity.find(key);
        }
        next = slot + 1;
        in_value_ = true;
        key_at_ = raw_key.raw() - 1;
        std::string_view text;
        bool present = false;
        od::value& value = field.value();
        const std::string_view value_token = value.raw_json_token();
        if (value_token.empty()) return remember(key);
        if (value_token[0] == '{' || value_token[0] == '[') {
          errors_.push_back(fields::column_error(
              file_, line(key_at_), key,
              std::string("expected a string, number or boolean, not ") +
                  (value_token[0] == '{' ? "an object" : "an array")));
          if (slot >= 0) seen |= 1u << slot;  // reported; not also "missing"
          in_value_ = false;
          if (!skip(value)) return false;
          continue;
        }
        if (!scalar(value, text, present)) return remember(key);
        in_value_ = false;
        if (!present) continue;  // null or "": absent
        if (slot < 0) {
          r.extra.values.emplace_back(data_.add_text(key), data_.add_text(text));
          continue;
        }
        const std::uint32_t bit = 1u << slot;
        if (seen & bit) {
          errors_.push_back(fields::column_error(file_, line(key_at_), key, "appears twice in the record; keep one"));
          continue;
        }
        seen |= bit;
        if (!last.set(entity.columns[static_cast<std::size_t>(slot)], static_cast<std::size_t>(slot), r, text,
                      data_.text, why_))
          errors_.push_back(fields::column_error(file_, line(key_at_), key, why_));
      }
      fields::check_required(entity, required, seen, file_, record_line, errors_);
    }
    return true;
  }

  /// The column whose name the key is, as written (no escapes), trying `next`
  /// first: records of one entity usually list their keys in the same order.
  template <class T>
  static int raw_column(const od::raw_json_string& key, const Entity<T>& entity, int next) {
    const int n = static_cast<int>(entity.columns.size());
    const char* raw = key.raw();
    for (int k = 0; k < n; ++k) {
      const int slot = next + k < n ? next + k : next + k - n;
      const std::string_view name = entity.columns[static_cast<std::size_t>(slot)].name;
      // The closing quote where the name ends (the padding makes the read safe), then the bytes.
      if (raw[name.size()] == '"' && scan::same_bytes(raw, name.data(), name.size())) return slot;
    }
    return -1;
  }

  /// Stops inside a record's value, remembering its column for the caller's message.
  bool remember(std::string_view key) {
    key_.assign(key);
    return false;
  }

  /// The text of a scalar: a string's characters (unescaped only when it
  /// holds a backslash), a number's token, `true` or `false`. `present` is
  /// false for null and the empty string. Returns false for what is not JSON.
  bool scalar(od::value& value, std::string_view& text, bool& present) {
    const std::string_view token = trimmed(value.raw_json_token());
    if (token.empty() || past_cut(token)) return false;
    switch (token[0]) {
      case '"': {
        if (token.size() < 2 || token.back() != '"') return false;
        text = token.substr(1, token.size() - 2);
        if (has_backslash(text) && value.get_string().get(text)) return false;
        present = !text.empty();
        return true;
      }
      case 't':
      case 'f':
        if (token != "true" && token != "false") return false;
        text = token;
        present = true;
        return true;
      case 'n':
        present = false;
        return token == "null";
      default:
        if (!detail::is_json_number(token)) return false;
        text = token;
        present = true;
        return true;
    }
  }

  void not_an_object(const char* at) {
    errors_.push_back(fields::located(file_, line(at),
                                      "the book must be a JSON object with the keys " +
                                          std::string(fields::kEntityNames) + ", each an array of objects"));
  }
  static std::string not_an_array(std::string_view entity) {
    return "'" + std::string(entity) + "' must be an array of objects, one per record";
  }
  static std::string element_not_an_object(std::string_view entity) {
    return "each element of '" + std::string(entity) + "' must be an object, one per record";
  }

  std::string_view text_;
  Text file_;
  std::uint32_t file_number_;  // file_'s, for Source
  BookData& data_;
  std::vector<std::string>& errors_;
  LineCounter lines_;
  std::size_t cut_;
  bool reserve_ = true;  // size the records' vector from a count of the array
  bool in_value_ = false;
  const char* key_at_ = nullptr;
  std::string key_;
  std::string why_;
};

/// `text` with the padding simdjson reads past the end (it never uses those bytes).
struct Padded {
  std::unique_ptr<char[]> buffer;  // its own allocation, so that the padding is ours to read
  std::size_t size = 0;

  explicit Padded(std::string_view text)
      : buffer(std::make_unique_for_overwrite<char[]>(text.size() + simdjson::SIMDJSON_PADDING)), size(text.size()) {
    std::memcpy(buffer.get(), text.data(), text.size());
    std::memset(buffer.get() + size, ' ', simdjson::SIMDJSON_PADDING);
  }
  std::string_view text() const { return {buffer.get(), size}; }
  simdjson::padded_string_view view() const {
    return simdjson::padded_string_view(buffer.get(), size, size + simdjson::SIMDJSON_PADDING);
  }
};

/// Runs `reader` over `padded`; false when the text is not JSON (`failure`
/// says why when simdjson refused it) or reading stopped at the cut.
bool walk(simdjson::padded_string_view padded, Reader& reader, simdjson::error_code& failure) {
  // Books of a request or two keep one parser per thread (its buffers are
  // reused); a big file gets its own, so that its index is freed with it, and
  // so does every book read once the thread's own storage is destroyed (an
  // atexit handler's: exit() destroys the main thread's first).
  constexpr std::size_t kReuse = std::size_t{1} << 20;
  od::parser own;
  od::parser& parser =
      padded.length() <= kReuse && !detail::ThreadState<od::parser>::gone() ? detail::ThreadState<od::parser>::get() : own;
  od::document doc;
  failure = parser.iterate(padded).get(doc);
  if (failure) return false;
  return reader.read(doc);
}

/// What a text that did not read as a book gets: the problems before the place
/// it stops being JSON (read again up to there), then the one at that place.
void report_broken(std::string_view text, std::string_view file, simdjson::error_code failure,
                   std::vector<std::string>& errors) {
  const std::size_t bad_byte = encoding::invalid_utf8_at(text);
  const SyntaxProblem problem = first_syntax_problem(text, bad_byte);
  if (problem.position == npos) {
    // The scanner finds the text JSON, yet simdjson did not read it: a limit of simdjson's.
    if (failure != simdjson::SUCCESS)
      errors.push_back(fields::located(file, 1, std::string("cannot read this JSON: ") +
                                                    simdjson::error_message(failure)));
    return;
  }
  errors.clear();
  BookData scratch;
  const Text file_text = scratch.intern_file(file);
  std::string prefix(text.substr(0, problem.cut));
  // '@' stops the reader at the cut; after a key, as that key's value (a streaming
  // parser has taken the key when it finds what follows it is not ':').
  if (!problem.closers.empty()) prefix += (problem.after_key ? ": @" : " @") + problem.closers;
  const Padded padded(prefix);
  Reader reader(padded.text(), file_text, scratch, errors, problem.cut);
  simdjson::error_code ignored;
  walk(padded.view(), reader, ignored);
  LineCounter lines(text);
  if (bad_byte <= problem.position) {
    // The string the byte is in starts after the last quote before it (a string holds no raw line break).
    const std::size_t line_start = text.rfind('\n', bad_byte) + 1;  // npos + 1 == 0
    const std::size_t quote = text.rfind('"', bad_byte);
    const std::size_t from = quote == npos || quote < line_start ? line_start : quote + 1;
    const std::string what = encoding::utf8_problem(text.substr(from), bad_byte - from);
    if (reader.stopped_in_value())
      errors.push_back(fields::column_error(file, lines.at(bad_byte), reader.key(), what));
    else
      errors.push_back(fields::located(file, lines.at(bad_byte), what));
  } else {
    errors.push_back(fields::located(file, lines.at(problem.position), "JSON syntax error: " + problem.reason));
  }
}

/// Reads JSON text whose buffer has simdjson's padding after it.
BookData read_padded(simdjson::padded_string_view padded, const std::string& name) {
  BookData data;
  std::vector<std::string> errors;
  const Text file = data.intern_file(name);
  std::string_view text(padded.data(), padded.length());
  std::size_t skipped = 0;
  if (text.starts_with("\xEF\xBB\xBF")) skipped = 3;  // a byte order mark, as Windows editors write
  text.remove_prefix(skipped);
  const simdjson::padded_string_view body(text.data(), text.size(), padded.capacity() - skipped);
  Reader reader(text, file, data, errors);
  simdjson::error_code failure = simdjson::SUCCESS;
  const bool ok = walk(body, reader, failure);
  if (failure == simdjson::CAPACITY)
    throw BookError({name + ": is " + std::to_string(text.size()) +
                     " bytes, more than one JSON book can hold (4 GiB); split the book or write it as CSV"});
  if (!ok || !errors.empty()) report_broken(text, file, ok ? simdjson::SUCCESS : failure, errors);
  if (!ok && errors.empty()) errors.push_back(fields::located(file, 1, "cannot read this JSON"));
  fields::note_problems_stopped(errors, file);
  if (!errors.empty()) throw BookError(std::move(errors));
  return data;
}

/// A large book file read a window of a few MB at a time, so that neither the
/// file nor simdjson's index of it (four bytes per structural character) is
/// ever held whole: at 300 MB they were most of a load's fresh memory, and
/// faulting that in most of its time. The book's object and its keys are read
/// here; each window holds the whole records that fit in it, and is parsed as
/// an array of them: the byte before its first record becomes '[' and the ','
/// after its last one ']'. A window's cut is taken at the last ',' or ']' that
/// follows a '}': one that falls inside a string leaves an unterminated string,
/// which simdjson refuses, so a window that parses is cut between records; one
/// past the end of the entity's array leaves that array's own ']' to end it,
/// and the text after it is not read from this window.
///
/// Anything else (a problem in the book, a key it does not know, an escaped
/// key, null for an entity, a record larger than the window can grow to)
/// gives up: read() returns nothing and the file is read whole instead, by the
/// reader whose messages the tests pin, so a broken book is reported as it
/// always was.
class WindowedReader {
 public:
  WindowedReader(int fd, std::size_t size, std::size_t window, const std::string& name)
      : bytes_(fd, size), window_(window), size_(size) {
    file_ = data_.intern_file(name);
    w_.padding = simdjson::SIMDJSON_PADDING;
  }

  std::optional<BookData> read() {
    if (!book()) return std::nullopt;
    return std::move(data_);
  }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

  /// Makes at_ readable in the window (loading the window from at_ when it is
  /// not); false at the end of the file or when it cannot be read.
  bool load_at(std::size_t at) {
    if (at >= size_) return false;
    if (w_.buffer && at >= w_.offset && at < w_.offset + w_.size) return true;
    return w_.load(bytes_, at, window_, why_);
  }
  char* in_window(std::size_t at) const { return w_.begin() + (at - w_.offset); }

  /// The next byte that is not JSON white space, at at_ (lines counted); 0 at the end.
  char peek() {
    for (; load_at(at_); ++at_) {
      const char c = *in_window(at_);
      if (!is_space(c)) return c;
      if (c == '\n') ++line_;
    }
    return 0;
  }

  bool take(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }

  /// A key without escapes, at at_.
  bool key(std::string& name) {
    if (!take('"')) return false;
    name.clear();
    for (; load_at(at_); ++at_) {
      const char c = *in_window(at_);
      if (c == '"') {
        ++at_;
        return true;
      }
      if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || name.size() > 64) return false;
      name += c;
    }
    return false;
  }

  bool book() {
    if (!load_at(0)) return false;
    if (size_ >= 3 && std::memcmp(in_window(0), "\xEF\xBB\xBF", 3) == 0) at_ = 3;  // a byte order mark
    if (!take('{')) return false;
    if (take('}')) return peek() == 0 && at_ == size_;
    std::string name;
    for (;;) {
      if (!key(name) || !take(':') || !take('[')) return false;
      bool known = false, ok = false;
      fields::for_each_entity([&](const auto& entity) {
        if (!known && entity.name == name) {
          known = true;
          ok = records(entity);
        }
      });
      if (!ok) return false;
      if (take(',')) continue;
      if (!take('}')) return false;
      return peek() == 0 && at_ == size_;  // nothing after the book but white space
    }
  }

  /// The records of an entity's array, from after its '[' to after its ']'.
  template <class T>
  bool records(const Entity<T>& entity) {
    if (take(']')) return true;
    std::vector<T>& out = data_.*entity.records;
    const std::size_t before = out.size();
    const std::size_t array_at = at_;
    bool sized = false;
    std::size_t window = window_;
    for (;;) {
      if (peek() != '{') return false;
      // The window starts a byte early: that byte becomes the array's '['.
      if (!w_.load(bytes_, at_ - 1, window, why_)) return false;
      char* const first = in_window(at_);
      char* const end = w_.end();
      // The last ',' or ']' after a '}' before `limit`, and that '}'.
      const auto find_cut = [&](char* limit, char*& close) -> char* {
        for (close = limit; (close = static_cast<char*>(::memrchr(first, '}', static_cast<std::size_t>(close - first))));) {
          char* after = close + 1;
          while (after < end && is_space(*after)) ++after;
          if (after < end && (*after == ',' || *after == ']')) return after;
        }
        return nullptr;
      };
      char* close = end;
      char* cut = find_cut(end, close);
      if (!cut) {  // no whole record in the window: a larger one, up to a limit
        if (w_.whole_rest || window >= kLargestWindow) return false;
        window *= 2;
        continue;
      }
      const std::size_t count = out.size();
      const char* rest = nullptr;
      std::uint32_t next_line = 0;
      // A cut inside a string (a description holding "},") fails: the one before it is tried.
      for (int tries = 0;; ++tries) {
        if (parse_window(entity, first, cut, rest, next_line)) break;
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(count), out.end());
        if (tries == kCutsTried || !(cut = find_cut(close, close))) return false;
      }
      // Past the records read: the cut, or the text after the array when it ended before the cut.
      const char* next = rest ? rest : cut + 1;
      line_ = next_line;
      at_ += static_cast<std::size_t>(next - first);
      if (rest || *cut == ']') return true;
      if (!sized) {
        // The records of the rest of the file at this window's density: the
        // vector is sized once (an estimate past the array's end costs address
        // space only, never touched).
        sized = true;
        const std::size_t read = out.size() - before;
        const std::size_t rest = (size_ - at_) / std::max<std::size_t>(1, (at_ - array_at) / std::max<std::size_t>(1, read));
        reserve_on_huge_pages(out, rest + rest / 50 + 16);
      }
    }
  }

  /// Reads the records in [first, cut) of the window as an array; `rest` as
  /// Reader::read_window has it. False, with the window unchanged, when they do
  /// not read as an array of good records. Plain records are read by hand
  /// (detail::PlainJson); a window with anything else in it, by simdjson.
  template <class T>
  bool parse_window(const Entity<T>& entity, char* first, char* cut, const char*& rest, std::uint32_t& next_line) {
    std::vector<T>& out = data_.*entity.records;
    const std::size_t count = out.size();
    detail::PlainJson plain(first, cut, line_);
    if (plain.records(entity, data_.file_number(file_), data_, out, rest)) {
      next_line = plain.line();
      return true;
    }
    out.erase(out.begin() + static_cast<std::ptrdiff_t>(count), out.end());
    const char before_first = first[-1], at_cut = *cut;
    first[-1] = '[';
    *cut = ']';
    const std::string_view text(first - 1, static_cast<std::size_t>(cut + 1 - (first - 1)));
    std::vector<std::string> errors;
    Reader reader(text, file_, data_, errors, Reader::Window{line_});
    od::document doc;
    const simdjson::padded_string_view padded(
        text.data(), text.size(), static_cast<std::size_t>(w_.begin() + w_.capacity + w_.padding - text.data()));
    const bool ok = !parser_.iterate(padded).get(doc) && reader.read_window(doc, entity, rest) && errors.empty();
    first[-1] = before_first;  // the window as the file has it again
    *cut = at_cut;
    if (ok) next_line = reader.line_of(rest ? rest : cut + 1);  // (the bytes changed were no line breaks)
    return ok;
  }

  /// A record larger than this gives up (the whole-file reader reports it).
  static constexpr std::size_t kLargestWindow = std::size_t{256} << 20;
  /// How many cuts of a window are tried before giving up.
  static constexpr int kCutsTried = 3;

  detail::TableBytes bytes_;
  detail::Window w_;
  std::size_t window_;
  std::size_t size_;
  std::size_t at_ = 0;       // the next byte to read, in the file
  std::uint32_t line_ = 1;  // at_'s line
  BookData data_;
  Text file_;
  od::parser parser_;  // its buffers kept from window to window
  std::string why_;
};

}  // namespace

BookData read_json_text(std::string_view text, const std::string& name) {
  const Padded padded(text);
  return read_padded(padded.view(), name);
}

std::optional<BookData> detail::read_json_in_windows(const std::filesystem::path& file, std::size_t window) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  std::optional<BookData> data;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
    data = WindowedReader(fd, static_cast<std::size_t>(st.st_size), window, file.string()).read();
  ::close(fd);
  return data;
}

BookData read_json_file(const std::filesystem::path& file) {
  // A large file a window at a time, when it reads as a good book that way.
  if (std::error_code ec; std::filesystem::is_regular_file(file, ec) &&
                          std::filesystem::file_size(file, ec) > 2 * kJsonWindowBytes && !ec)
    if (std::optional<BookData> data = detail::read_json_in_windows(file, kJsonWindowBytes)) return std::move(*data);
  // Read straight into a buffer with simdjson's padding after the text: one
  // copy from the kernel, no zeroing.
  detail::FileBytes bytes;
  if (std::string why; !detail::read_whole_file(file, bytes, why, simdjson::SIMDJSON_PADDING))
    throw BookError({file.string() + ": cannot read the file: " + why});
  std::memset(bytes.data.get() + bytes.size, ' ', simdjson::SIMDJSON_PADDING);  // read past the end, never used
  return read_padded(
      simdjson::padded_string_view(bytes.data.get(), bytes.size, bytes.capacity + simdjson::SIMDJSON_PADDING),
      file.string());
}

}  // namespace billcheck
