// Bytes read a word at a time, for what runs on every cell of a book (the
// text hash, the date parser, the readers' scans): a text's bytes in a little-endian
// word, the first in the lowest byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace billcheck::detail {

/// The last `n` bytes (1 to 7) of the `size` bytes at `s` (`size` >= `n`) as a
/// little-endian word, zero above them: what a memcpy of them into a zeroed
/// word gives, with loads of a fixed size (a memcpy of a variable size is a
/// call, and a stall when the word is read back).
inline std::uint64_t tail_word(const char* s, std::size_t size, std::size_t n) {
  const char* at = s + size - n;
  if (size >= 8) {
    std::uint64_t last;
    std::memcpy(&last, s + size - 8, 8);
    return last >> (64 - 8 * n);
  }
  if (n >= 4) {
    std::uint32_t first, last;
    std::memcpy(&first, at, 4);
    std::memcpy(&last, at + n - 4, 4);
    return std::uint64_t{first} | (std::uint64_t{last} << (8 * (n - 4)));
  }
  const auto byte = [at](std::size_t k) { return std::uint64_t{static_cast<unsigned char>(at[k])} << (8 * k); };
  return byte(0) | byte(n / 2) | byte(n - 1);
}

/// 0x80 at each byte of `w` that is `c`, and nothing else (exact: no byte
/// borrows from its neighbour).
constexpr std::uint64_t bytes_equal(std::uint64_t w, char c) {
  constexpr std::uint64_t kLow = 0x7f7f7f7f7f7f7f7fULL;
  const std::uint64_t x = w ^ (0x0101010101010101ULL * static_cast<unsigned char>(c));
  return ~(((x & kLow) + kLow) | x | kLow);
}

/// Whether each byte of `w` that `mask` selects (0xFF there) is an ASCII
/// digit, all at once: its high nibble is 3, and stays 3 with 6 added (a byte
/// carries into the next only when it is 0xFA or more, which the first test fails).
constexpr bool all_digits(std::uint64_t w, std::uint64_t mask) {
  const std::uint64_t high = 0xF0F0F0F0F0F0F0F0ull & mask, threes = 0x3030303030303030ull & mask;
  return (w & high) == threes && ((w + 0x0606060606060606ull) & high) == threes;
}

/// Byte i of the result is the number of the two digits at bytes i and i + 1
/// of `w` (10 * first + second), for the bytes that are digits.
constexpr std::uint64_t digit_pairs(std::uint64_t w) {
  const std::uint64_t v = w & 0x0F0F0F0F0F0F0F0Full;  // a digit's value is its low nibble
  return v * 10 + (v >> 8);  // at most 165 a byte: no byte carries into the next
}

}  // namespace billcheck::detail
