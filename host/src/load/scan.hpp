// Finding the next of a few bytes in a book's text, as the CSV and LEDES
// readers do for the characters that end a cell or a field, and counting line
// ends.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace billcheck::scan {

inline constexpr std::uint64_t kOnes = 0x0101010101010101ULL;

/// 0x80 at each byte of `x` that is zero, and nothing else (exact: no byte
/// borrows from its neighbour).
constexpr std::uint64_t zero_bytes(std::uint64_t x) {
  constexpr std::uint64_t kLow = 0x7f7f7f7f7f7f7f7fULL;
  return ~(((x & kLow) + kLow) | x | kLow);
}

/// The first of [p, end) that is one of `Stops`, or `end`: sixteen bytes at a
/// time with SSE2 (every x86-64 has it), where eight at a time with the exact
/// "has a zero byte" trick took a fifth of a LEDES load's instructions (a
/// field is a few bytes: the work per call counts, and this is a third of it),
/// and a byte loop most of the reading before that. Eight at a time near the
/// end, and where there is no SSE2.
template <char... Stops>
const char* first_of(const char* p, const char* end) {
#if defined(__SSE2__)
  for (; end - p >= 16; p += 16) {
    const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    __m128i hits = _mm_setzero_si128();
    ((hits = _mm_or_si128(hits, _mm_cmpeq_epi8(w, _mm_set1_epi8(Stops)))), ...);
    if (const auto mask = static_cast<unsigned>(_mm_movemask_epi8(hits))) return p + std::countr_zero(mask);
  }
#endif
  for (; end - p >= 8; p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t hits = (zero_bytes(w ^ (static_cast<unsigned char>(Stops) * kOnes)) | ...);
    if (hits) return p + std::countr_zero(hits) / 8;
  }
  while (p < end && ((*p != Stops) && ...)) ++p;
  return p;
}

/// Whether the `n` bytes at `a` and `b` are equal: eight bytes at a time, the
/// last eight overlapping, never reading outside either. For the short names
/// a reader matches (a JSON record's keys), where a call to memcmp for each
/// took 4% of a JSON load.
inline bool same_bytes(const char* a, const char* b, std::size_t n) {
  const auto word = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 < n; i += 8)
      if (word(a + i) != word(b + i)) return false;
    return word(a + n - 8) == word(b + n - 8);
  }
  if (n >= 4) {
    std::uint32_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 4);
    std::memcpy(&a1, a + n - 4, 4);
    std::memcpy(&b0, b, 4);
    std::memcpy(&b1, b + n - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
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
