// Finding the next of a few bytes in a book's text, as the CSV and LEDES
// readers do for the characters that end a cell or a field, and counting line
// ends.
#pragma once

#include <billcheck/digits.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace billcheck::scan {

#if defined(__SSE2__)
/// A bit for each of the 16 bytes at `p` that is one of `Stops`.
template <char... Stops>
unsigned stops_in_16(const char* p) {
  const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  __m128i hits = _mm_setzero_si128();
  ((hits = _mm_or_si128(hits, _mm_cmpeq_epi8(w, _mm_set1_epi8(Stops)))), ...);
  return static_cast<unsigned>(_mm_movemask_epi8(hits));
}
#endif

/// The first of [p, end) that is one of `Stops`, or `end`: sixteen bytes at a
/// time with SSE2 (every x86-64 has it), where eight at a time with the exact
/// "has a zero byte" trick took a fifth of a LEDES load's instructions (a
/// field is a few bytes: the work per call counts, and this is a third of it),
/// and a byte loop most of the reading before that. Eight at a time near the
/// end, and where there is no SSE2.
template <char... Stops>
const char* first_of(const char* p, const char* end) {
#if defined(__SSE2__)
  for (; end - p >= 16; p += 16)
    if (const unsigned mask = stops_in_16<Stops...>(p)) return p + std::countr_zero(mask);
#endif
  for (; end - p >= 8; p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t hits = (detail::bytes_equal(w, Stops) | ...);
    if (hits) return p + std::countr_zero(hits) / 8;
  }
  while (p < end && ((*p != Stops) && ...)) ++p;
  return p;
}

/// Finds the next of a few bytes (`Stops`) in [begin, end) for a reader that
/// asks again and again, moving forward: each block of 64 bytes is compared
/// once, into a mask with a bit for each stop in it, and the calls that fall in
/// that block shift the mask. For fields of a few bytes, as LEDES has (24 in a
/// line of 170 bytes, most empty or short), where each call of first_of
/// compared 16 bytes anew. Blocks are aligned to 64 bytes; one that is not
/// wholly in [begin, end) is copied first, so that nothing outside is read.
/// The bytes must not change while it is used.
template <char... Stops>
class StopFinder {
  static_assert(((Stops != '\0') && ...), "the part of a block outside the text reads as NULs");

 public:
  StopFinder(const char* begin, const char* end) : begin_(begin), end_(end) {}

  /// The first of [p, end) that is one of `Stops`, or `end`; p >= begin.
  /// Where p is in the block of the last call (most calls), a shift and a
  /// count of zeros.
  const char* next(const char* p) {
    const std::uintptr_t off = reinterpret_cast<std::uintptr_t>(p) - block_;
    if (off < 64) {
      if (const std::uint64_t m = mask_ >> off) return p + std::countr_zero(m);
      p = reinterpret_cast<const char*>(block_ + 64);
    }
    return next_block(p);
  }

 private:
  /// next(p) from the block of p on (p past the last block), until one has a stop.
  const char* next_block(const char* p) {
    while (p < end_) {
      const char* block = reinterpret_cast<const char*>(reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{63});
      block_ = reinterpret_cast<std::uintptr_t>(block);
      mask_ = block >= begin_ && end_ - block >= 64 ? stops_in(block) : stops_in_part(block);
      if (const std::uint64_t m = mask_ >> (p - block)) return p + std::countr_zero(m);
      p = block + 64;
    }
    return end_;
  }

  static std::uint64_t stops_in(const char* block) {
#if defined(__SSE2__)
    const auto part = [block](int k) -> std::uint64_t { return stops_in_16<Stops...>(block + 16 * k); };
    return part(0) | part(1) << 16 | part(2) << 32 | part(3) << 48;
#else
    std::uint64_t mask = 0;
    for (int i = 0; i < 64; ++i)
      if (((block[i] == Stops) || ...)) mask |= std::uint64_t{1} << i;
    return mask;
#endif
  }

  /// The mask of a block that reaches outside [begin, end): its bytes inside,
  /// copied among NULs (not one of the stops), so that no bit is outside.
  std::uint64_t stops_in_part(const char* block) const {
    alignas(16) char copy[64] = {};
    const char* from = std::max(block, begin_);
    const char* to = std::min(block + 64, end_);
    std::memcpy(copy + (from - block), from, static_cast<std::size_t>(to - from));
    return stops_in(copy);
  }

  const char* begin_;
  const char* end_;
  std::uintptr_t block_ = 0;  // the address of the last block read, and its stops
  std::uint64_t mask_ = 0;
};

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
