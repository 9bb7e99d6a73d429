// Finding the bytes that end a field: the block-at-a-time finder the LEDES
// reader uses gives what the plain search gives, wherever the text starts and
// ends against the 64-byte blocks it reads, and reads nothing outside it; the
// UTF-8 check finds the first bad byte wherever it falls in its 32-byte steps.
#include "load/encoding.hpp"
#include "load/scan.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck {
namespace {

TEST(StopFinder, FindsWhatASearchFromEachPlaceFindsWhereverTheTextLies) {
  std::mt19937 random(15);
  constexpr std::string_view kBytes = "ab|[\n\rxyz0123456789|||[]";
  for (int round = 0; round < 2000; ++round) {
    // The text at each of 64 offsets of its buffer, and of any length up to 300.
    std::vector<char> buffer(400);
    const std::size_t at = random() % 64, size = random() % 300;
    const bool sparse = round % 2 == 0;  // long runs with no stop at all, across whole blocks
    for (char& c : buffer) c = sparse && random() % 40 != 0 ? 'q' : kBytes[random() % kBytes.size()];
    const char* begin = buffer.data() + at;
    const char* end = begin + size;
    scan::StopFinder<'|', '[', '\n', '\r'> finder(begin, end);
    for (const char* p = begin; p <= end;) {
      const char* want = scan::first_of<'|', '[', '\n', '\r'>(p, end);
      ASSERT_EQ(finder.next(p), want) << "round " << round << ", offset " << p - begin;
      if (want == end) break;
      p = want + 1 + random() % 3;  // on past it, as a reader goes (sometimes further)
      if (p > end) p = end;
    }
  }
}

TEST(StopFinder, NeverReportsAByteOutsideTheText) {
  // Stops just before and just after the text, in the same 64-byte blocks.
  std::vector<char> buffer(256, '|');
  const char* begin = buffer.data() + 70;
  const char* end = buffer.data() + 100;
  std::fill(buffer.begin() + 70, buffer.begin() + 100, 'a');
  scan::StopFinder<'|'> finder(begin, end);
  EXPECT_EQ(finder.next(begin), end);
  EXPECT_EQ(finder.next(begin + 10), end);
}

TEST(Utf8Check, FindsTheFirstBadByteWhereverItFalls) {
  for (std::size_t size : {1u, 7u, 8u, 31u, 32u, 33u, 64u, 100u})
    for (std::size_t bad = 0; bad < size; ++bad) {
      std::string text(size, 'a');
      EXPECT_EQ(encoding::invalid_utf8_at(text), std::string_view::npos);
      text[bad] = '\xE9';  // Latin-1 e-acute: a lead byte with no continuation
      if (bad + 1 < size) text[bad + 1] = 'x';
      EXPECT_EQ(encoding::invalid_utf8_at(text), bad) << size << " " << bad;
      // A well-formed two-byte character there instead.
      if (bad + 1 < size) {
        text[bad] = '\xC3';
        text[bad + 1] = '\xA9';
        EXPECT_EQ(encoding::invalid_utf8_at(text), std::string_view::npos) << size << " " << bad;
      }
    }
}

}  // namespace
}  // namespace billcheck
