// Records of a JSON book read without simdjson where they are plain: flat
// objects of known or extra keys written without escapes, whose values are
// strings without escapes or control characters, numbers, true, false or
// null. That is what every exporter writes, and reading it by hand (16 bytes
// at a time for strings) took a JSON load from two thirds more instructions
// than a CSV load of the same book to about as many: simdjson's index of a
// window (stage 1) and its on-demand walk of each value were most of it.
//
// Anything else in a window (an escape, a nested value, a value a column
// refuses, a missing required value, text that is not JSON) and the window is
// left to simdjson, which reads it as before or gives up on windows: so a
// record read here is one that simdjson would read the same, and a problem is
// never reported from here.
#pragma once

#include <billcheck/book.hpp>

#include "load/encoding.hpp"
#include "load/last_texts.hpp"
#include "load/scan.hpp"
#include "schema/columns.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace billcheck::detail {

/// The end of the JSON number (RFC 8259) that starts at `p`, or nullptr when
/// none does: the longest one, which the caller checks ends where it should.
inline const char* json_number_end(const char* p, const char* end) {
  const auto digits = [end](const char* q) {
    while (q < end && static_cast<unsigned>(*q - '0') < 10) ++q;
    return q;
  };
  if (p < end && *p == '-') ++p;
  const char* const whole = p;
  p = digits(p);
  if (p == whole || (*whole == '0' && p - whole > 1)) return nullptr;  // no digits, or a leading zero
  if (p < end && *p == '.') {
    const char* const fraction = ++p;
    if ((p = digits(p)) == fraction) return nullptr;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    const char* const exponent = p;
    if ((p = digits(p)) == exponent) return nullptr;
  }
  return p;
}

/// Whether `t` is a JSON number: the readers pass a number on as its text.
inline bool is_json_number(std::string_view t) { return json_number_end(t.data(), t.data() + t.size()) == t.data() + t.size(); }

class PlainJson {
 public:
  /// Over [p, end): the bytes from `end` to 15 past it must be readable (a
  /// window's padding), and are never used.
  PlainJson(const char* p, const char* end, std::uint32_t line) : p_(p), end_(end), line_(line) {}

  /// Reads the records from p (a '{') on, appending them to `out`, up to a
  /// ']' that ends the array (then `rest` is past it) or `end` (which stands
  /// for that ']': `rest` is nullptr). False when anything is not plain: the
  /// records appended are then the caller's to remove.
  template <class T>
  bool records(const fields::Entity<T>& entity, std::uint32_t file_number, BookData& data, std::vector<T>& out,
               const char*& rest) {
    const std::uint32_t required = entity.required_mask();
    LastTexts<T> last(entity.columns.size());  // by column
    const std::vector<Key> keys = keys_of(entity);
    std::string why;
    for (;;) {
      if (p_ >= end_ || *p_ != '{') return false;
      T& record = out.emplace_back();
      record.source = Source{file_number, line_};
      ++p_;
      space();
      std::uint32_t seen = 0;
      int next = 0;  // records of an entity usually list their keys in the same order
      if (p_ < end_ && *p_ == '}') {
        ++p_;
      } else {
        for (;;) {
          std::string_view key, value;
          int slot = named(keys, next, key);
          if (slot < 0 && !string(key)) return false;
          if (p_ >= end_ || *p_ != ':') {
            space();
            if (p_ >= end_ || *p_ != ':') return false;
          }
          ++p_;
          space();
          bool present = false;
          if (!scalar(value, present)) return false;
          if (present) {
            if (slot < 0) {
              record.extra.values.emplace_back(data.add_text(key), data.add_text(value));
            } else {
              const std::uint32_t bit = 1u << slot;
              if (seen & bit) return false;  // a key twice: simdjson's reader says so
              seen |= bit;
              next = slot + 1;
              if (!last.set(entity.columns[static_cast<std::size_t>(slot)], static_cast<std::size_t>(slot), record,
                            value, data.text, why))
                return false;
            }
          }
          if (p_ < end_ && *p_ != ',') space();
          if (p_ >= end_) return false;
          if (*p_ == ',') {
            ++p_;
            space();
            continue;
          }
          if (*p_ != '}') return false;
          ++p_;
          break;
        }
      }
      if ((seen & required) != required) return false;
      space();
      if (p_ >= end_) {  // the window's end, which stands for the array's
        rest = nullptr;
        return true;
      }
      if (*p_ == ']') {
        rest = p_ + 1;
        return true;
      }
      if (*p_ != ',') return false;
      ++p_;
      space();
    }
  }

  /// The line of where reading stopped.
  std::uint32_t line() const { return line_; }

 private:
  static bool is_space(char c) {
    const auto b = static_cast<unsigned char>(c);
    return b <= ' ' && ((std::uint64_t{1} << b) & kSpaces);
  }
  static constexpr std::uint64_t kSpaces = (std::uint64_t{1} << ' ') | (1u << '\n') | (1u << '\r') | (1u << '\t');

  /// Past JSON white space, counting line breaks: most often a space or none.
  [[gnu::always_inline]] void space() {
    if (p_ < end_ && *p_ == ' ') ++p_;
    if (p_ < end_ && is_space(*p_)) more_space();
  }
  [[gnu::noinline]] void more_space() {
    for (; p_ < end_ && is_space(*p_); ++p_) line_ += *p_ == '\n';
  }

  /// A column's name as a key is written, with its closing quote: where it
  /// is shorter than 16 bytes, compared in one step.
  struct Key {
    std::string_view name;
#if defined(__SSE2__)
    __m128i bytes;      // the name, its closing quote, then zeros
    unsigned mask = 0;  // the bits of those bytes (0: compared byte by byte)
#endif
  };

  template <class T>
  static std::vector<Key> keys_of(const fields::Entity<T>& entity) {
    std::vector<Key> keys(entity.columns.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      Key& key = keys[i];
      key.name = entity.columns[i].name;
#if defined(__SSE2__)
      alignas(16) char bytes[16] = {};
      if (key.name.size() < 16) {
        std::memcpy(bytes, key.name.data(), key.name.size());
        bytes[key.name.size()] = '"';
        key.mask = (1u << (key.name.size() + 1)) - 1;
      }
      key.bytes = _mm_load_si128(reinterpret_cast<const __m128i*>(bytes));
#endif
    }
    return keys;
  }

  /// Whether the key at `s` (after its opening quote) is `key`'s name.
  [[gnu::always_inline]] bool is_key(const Key& key, const char* s) const {
    if (end_ - s <= static_cast<std::ptrdiff_t>(key.name.size())) return false;
#if defined(__SSE2__)
    if (key.mask) {  // the 16 bytes at s are readable: end_ is followed by padding
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
      return (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, key.bytes))) & key.mask) == key.mask;
    }
#endif
    return s[key.name.size()] == '"' && scan::same_bytes(s, key.name.data(), key.name.size());
  }

  /// The column whose name is the key at p_ (a string, as written: the
  /// names need no escapes), trying `next` first: p_ past the key and its
  /// name in `key`. -1 (p_ unmoved) for a key that names no column.
  [[gnu::always_inline]] int named(const std::vector<Key>& keys, int next, std::string_view& key) {
    if (p_ >= end_ || *p_ != '"') return -1;
    const char* const s = p_ + 1;
    const int n = static_cast<int>(keys.size());
    if (next < n && is_key(keys[static_cast<std::size_t>(next)], s)) {  // most keys
      key = keys[static_cast<std::size_t>(next)].name;
      p_ = s + key.size() + 1;
      return next;
    }
    for (int k = 1; k < n; ++k) {
      const int slot = next + k < n ? next + k : next + k - n;
      const Key& candidate = keys[static_cast<std::size_t>(slot)];
      if (is_key(candidate, s)) {
        key = candidate.name;
        p_ = s + key.size() + 1;
        return slot;
      }
    }
    return -1;
  }

  /// A string at p_ with no escape or control character, its characters
  /// UTF-8: its characters in `text`, p_ past it.
  [[gnu::always_inline]] bool string(std::string_view& text) {
    if (p_ >= end_ || *p_ != '"') return false;
    const char* const s = p_ + 1;
#if defined(__SSE2__)
    for (const char* q = s; q < end_; q += 16) {
      const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      auto quote = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(w, _mm_set1_epi8('"'))));
      // A backslash, a control character, or a byte of 0x80 or more (signed, below 0x20).
      auto other = static_cast<unsigned>(_mm_movemask_epi8(
          _mm_or_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8('\\')), _mm_cmplt_epi8(w, _mm_set1_epi8(0x20)))));
      if (end_ - q < 16) {
        const unsigned inside = (1u << (end_ - q)) - 1;
        quote &= inside;
        other &= inside;
      }
      if (other && (!quote || std::countr_zero(other) < std::countr_zero(quote))) return careful_string(s, text);
      if (quote) {
        const char* const close = q + std::countr_zero(quote);
        text = {s, static_cast<std::size_t>(close - s)};
        p_ = close + 1;
        return true;
      }
    }
    return false;
#else
    return careful_string(s, text);
#endif
  }

  /// string() from `s` a byte at a time: a character of several bytes is
  /// plain too, once the string is checked to be UTF-8.
  bool careful_string(const char* s, std::string_view& text) {
    bool ascii = true;
    for (const char* q = s; q < end_; ++q) {
      const auto c = static_cast<unsigned char>(*q);
      if (c == '"') {
        text = {s, static_cast<std::size_t>(q - s)};
        if (!ascii && !encoding::is_utf8(text)) return false;
        p_ = q + 1;
        return true;
      }
      if (c == '\\' || c < 0x20) return false;
      if (c >= 0x80) ascii = false;
    }
    return false;
  }

  /// A value at p_: a string's characters, a number's text, true or false
  /// (`present`), or null and "" (absent).
  [[gnu::always_inline]] bool scalar(std::string_view& text, bool& present) {
    if (p_ >= end_) return false;
    if (*p_ == '"') {
      if (!string(text)) return false;
      present = !text.empty();
      return true;
    }
    const char* const s = p_;
    switch (*p_) {
      case 'n':
        present = false;
        return literal("null", text);
      case 't':
        present = true;
        return literal("true", text);
      case 'f':
        present = true;
        return literal("false", text);
      default:
        present = true;
        if (!number()) return false;
        text = {s, static_cast<std::size_t>(p_ - s)};
        return true;
    }
  }

  /// Whether `word` is at p_, and ends there: `text` is it, p_ past it.
  bool literal(std::string_view word, std::string_view& text) {
    if (end_ - p_ < static_cast<std::ptrdiff_t>(word.size()) || std::string_view(p_, word.size()) != word)
      return false;
    text = {p_, word.size()};
    p_ += word.size();
    return ends_value();
  }

  /// Whether a value may end at p_ (white space, ',' or '}' follows; or the window's end).
  bool ends_value() const { return p_ >= end_ || is_space(*p_) || *p_ == ',' || *p_ == '}'; }

  /// Past a JSON number at p_, when there is one that ends there.
  bool number() {
    const char* const after = json_number_end(p_, end_);
    if (!after) return false;
    p_ = after;
    return ends_value();
  }

  const char* p_;
  const char* end_;
  std::uint32_t line_;
};

}  // namespace billcheck::detail
