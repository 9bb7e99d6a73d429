// The guidelines plugin splits narratives into words 16 bytes at a time
// (words_into); these tests hold it to the byte-at-a-time definition
// (words_of) for every length around the 16-byte blocks, wherever the text
// lies in memory, and for every limit.
#include "../plugins/guidelines/rules.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace billcheck::guidelines {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

/// words_into's words, lower-cased (words_of lower-cases them).
std::vector<std::string> split(std::string_view text, std::size_t limit = static_cast<std::size_t>(-1)) {
  std::vector<std::string_view> views(text.size() + 1);
  const std::size_t n = words_into(text, views, limit);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < std::min(n, views.size()); ++i) out.push_back(lower(views[i]));
  return out;
}

TEST(GuidelinesWords, SplitsAsTheByteAtATimeDefinitionForEveryLengthAndPlace) {
  std::mt19937 random(7);
  const std::string alphabet = "abcXYZ09 ,;/&-.\t\xc3\xa9";  // letters, digits, separators, UTF-8 bytes
  for (std::size_t size = 0; size <= 50; ++size) {
    for (int round = 0; round < 40; ++round) {
      std::string text;
      for (std::size_t i = 0; i < size; ++i) text += alphabet[random() % alphabet.size()];
      // At every offset of a buffer, so the 16-byte loads meet every alignment and
      // the text ends where the buffer does (nothing may be read past it).
      for (std::size_t offset = 0; offset < 16; offset += 5) {
        std::vector<char> buffer(offset + size);
        std::copy(text.begin(), text.end(), buffer.begin() + static_cast<std::ptrdiff_t>(offset));
        const std::string_view at(buffer.data() + offset, size);
        ASSERT_EQ(split(at), words_of(text)) << '"' << text << '"';
        EXPECT_EQ(count_words(at), words_of(text).size()) << '"' << text << '"';
      }
    }
  }
}

TEST(GuidelinesWords, StopsCountingAtTheLimit) {
  const std::string text = "Review and revise draft agreement, item 0";
  EXPECT_EQ(count_words(text), 7u);
  for (std::size_t limit = 0; limit <= 9; ++limit) EXPECT_EQ(count_words(text, limit), std::min<std::size_t>(limit, 7));
  std::vector<std::string_view> two(2);
  EXPECT_EQ(words_into(text, two, 5), 5u);  // counted to the limit, the first two kept
  EXPECT_EQ(two[0], "Review");
  EXPECT_EQ(two[1], "and");
}

TEST(GuidelinesWords, AWordThatEndsTheTextEndsWhereTheTextDoes) {
  EXPECT_EQ(split("filing"), (std::vector<std::string>{"filing"}));
  EXPECT_EQ(split("exactly sixteen!"), (std::vector<std::string>{"exactly", "sixteen"}));
  EXPECT_EQ(split("a seventeen bytes"), (std::vector<std::string>{"a", "seventeen", "bytes"}));
  EXPECT_EQ(split("0123456789abcdef0"), (std::vector<std::string>{"0123456789abcdef0"}));
  EXPECT_EQ(split(""), std::vector<std::string>{});
  EXPECT_EQ(split(" ;, "), std::vector<std::string>{});
}

}  // namespace
}  // namespace billcheck::guidelines
