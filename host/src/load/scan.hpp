// Finding the next of a few bytes in a book's text, as the CSV and LEDES
// readers do for the characters that end a cell or a field.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace billcheck::scan {

/// The first of [p, end) that is one of `Stops`, or `end`: eight bytes at a
/// time, each tested with the exact "has a zero byte" trick, where a byte loop
/// took most of the reading.
template <char... Stops>
const char* first_of(const char* p, const char* end) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kLow = 0x7f7f7f7f7f7f7f7fULL;
  auto zero_bytes = [](std::uint64_t x) { return ~(((x & kLow) + kLow) | x | kLow); };  // 0x80 at each zero byte
  for (; end - p >= 8; p += 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    const std::uint64_t hits = (zero_bytes(w ^ (static_cast<unsigned char>(Stops) * kOnes)) | ...);
    if (hits) return p + std::countr_zero(hits) / 8;
  }
  while (p < end && ((*p != Stops) && ...)) ++p;
  return p;
}

}  // namespace billcheck::scan
