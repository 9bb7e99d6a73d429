// Finding the next of a few bytes in a book's text, as the CSV and LEDES
// readers do for the characters that end a cell or a field, and counting line
// ends.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace billcheck::scan {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;

/// 0x80 at each byte of `x` that is zero, and nothing else (exact: no byte
/// borrows from its neighbour).
constexpr std::uint64_t zero_bytes(std::uint64_t x) {
  constexpr std::uint64_t kLow = 0x7f7f7f7f7f7f7f7fULL;
  return ~(((x & kLow) + kLow) | x | kLow);
}

/// The first of [p, end) that is one of `Stops`, or `end`: eight bytes at a
/// time, each tested with the exact "has a zero byte" trick, where a byte loop
/// took most of the reading.
template <char... Stops>
const char* first_of(const char* p, const char* end) {
  for (; end - p >= 8; p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t hits = (zero_bytes(w ^ (static_cast<unsigned char>(Stops) * kOnes)) | ...);
    if (hits) return p + std::countr_zero(hits) / 8;
  }
  while (p < end && ((*p != Stops) && ...)) ++p;
  return p;
}

/// How many line ends (LF) [begin, end) holds: memchr finds each, many bytes
/// at a time, where std::count compared byte by byte (a tenth of a LEDES load)
/// and eight bytes at a time with a popcount was slower for lines of a few
/// hundred bytes.
inline std::size_t count_line_ends(const char* begin, const char* end) {
  std::size_t n = 0;
  for (const char* p = begin; p < end; ++n, ++p) {
    p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
    if (!p) break;
  }
  return n;
}

}  // namespace billcheck::scan
