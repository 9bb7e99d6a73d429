// The duplicates plugin hashes a plain description (single spaces, none at
// the ends) as it lower-cases it, eight bytes at a time; any other is
// normalized byte by byte first. Both must give text_hash() of the normalized
// text, or equal descriptions would fall in different groups.
#include "../plugins/duplicates/rules.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace billcheck::duplicates {
namespace {

TEST(DuplicatesHash, ADescriptionHashesAsItsNormalizedTextForEveryLength) {
  std::mt19937 random(11);
  const std::string alphabet = "abcXYZ09 ,;\t\n\xc3\xa9@[`{";  // letters either side of the cases, spaces, controls
  for (std::size_t size = 0; size <= 300; size += (size < 40 ? 1 : 37)) {
    for (int round = 0; round < 60; ++round) {
      std::string text;
      for (std::size_t i = 0; i < size; ++i) text += alphabet[random() % alphabet.size()];
      // Where the text ends its buffer, so nothing may be read past it.
      const std::vector<char> buffer(text.begin(), text.end());
      const std::string_view at(buffer.data(), buffer.size());
      ASSERT_EQ(normalized_hash(at), text_hash(normalized(text))) << '"' << text << '"';
    }
  }
}

TEST(DuplicatesHash, CaseAndSpacingDoNotChangeTheHash) {
  EXPECT_EQ(normalized_hash("Review draft agreement"), normalized_hash("review  DRAFT\tagreement "));
  EXPECT_EQ(normalized_hash("Review draft agreement"), text_hash("review draft agreement"));
  EXPECT_NE(normalized_hash("Review draft agreement"), normalized_hash("Review draft agreements"));
  EXPECT_EQ(normalized_hash(""), text_hash(""));
  EXPECT_EQ(normalized_hash("   "), text_hash(""));
}

}  // namespace
}  // namespace billcheck::duplicates
