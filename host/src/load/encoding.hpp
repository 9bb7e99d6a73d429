// What the bytes of a book's text files must be: UTF-8, lines ended by LF or
// CRLF. Every loader checks with these, so that text that is not UTF-8 stops
// the load with its location instead of reaching a report (whose JSON cannot
// hold it), and a file saved with old Mac line endings is named as such.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace billcheck::encoding {

/// The offset of the first byte of `text` that is not well-formed UTF-8
/// (RFC 3629: no overlong forms, surrogates or code points past U+10FFFF),
/// or npos when it all is.
inline std::size_t invalid_utf8_at(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    // 32 ASCII bytes at a time, then eight: most book text is ASCII (a loader
    // checks every window of a file; eight at a time was 2.6% of a CSV load).
    if (i + 32 <= n) {
      std::uint64_t chunk[4];
      std::memcpy(chunk, s + i, 32);
      if (((chunk[0] | chunk[1] | chunk[2] | chunk[3]) & 0x8080808080808080ull) == 0) {
        i += 32;
        continue;
      }
    }
    if (i + 8 <= n) {
      std::uint64_t chunk;
      std::memcpy(&chunk, s + i, 8);
      if ((chunk & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlong forms
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // no overlong forms
      if (c == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
    } else {
      return i;
    }
    if (i + len > n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k)
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    i += len;
  }
  return std::string_view::npos;
}

inline bool is_utf8(std::string_view text) { return invalid_utf8_at(text) == std::string_view::npos; }

/// Shortens `text` to at most `size` bytes, back to the start of a character:
/// a UTF-8 sequence is never split.
inline void cut_at_character(std::string& text, std::size_t size) {
  if (text.size() <= size) return;
  while (size > 0 && (static_cast<unsigned char>(text[size]) & 0xC0) == 0x80) --size;
  text.resize(size);
}

/// What is wrong with `text`, whose byte at `at` is not UTF-8, and what to do:
/// `text is not valid UTF-8: byte 0xE9 after 'Caf' (save the file as UTF-8)`.
/// Only the valid text before the byte is quoted, so the message is UTF-8 itself.
inline std::string utf8_problem(std::string_view text, std::size_t at) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(text[at]);
  std::string out = "text is not valid UTF-8: byte 0x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xF];
  if (at == 0) {
    out += " at the start";
  } else {
    // Up to 20 bytes of context, starting on a character boundary.
    std::size_t from = at > 20 ? at - 20 : 0;
    while (from < at && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) ++from;
    out += " after '";
    if (from > 0) out += "...";
    out += text.substr(from, at - from);
    out += "'";
  }
  out += " (save the file as UTF-8; text in Latin-1 or Windows-1252 must be converted)";
  return out;
}

/// The problem with a file whose lines end with CR alone (no LF anywhere, and
/// a CR with more text after it), or an empty string: such a file would read
/// as one long line.
inline std::string line_ending_problem(std::string_view text) {
  if (text.find('\n') != std::string_view::npos) return {};
  const std::size_t cr = text.find('\r');
  if (cr == std::string_view::npos || text.find_first_not_of("\r \t", cr) == std::string_view::npos) return {};
  return "the file uses CR-only (old Mac) line endings; save it with LF or CRLF line endings";
}

}  // namespace billcheck::encoding
