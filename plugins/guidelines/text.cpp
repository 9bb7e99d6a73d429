#include "rules.hpp"

#include <algorithm>

namespace billcheck::guidelines {
namespace {

bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || u >= 0x80;
}

}  // namespace

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (is_word_byte(c)) {
      word += c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::size_t count_words(std::string_view text) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : text) {
    const bool word = is_word_byte(c);
    if (word && !in_word) ++n;
    in_word = word;
  }
  return n;
}

std::vector<std::vector<std::string>> phrases_of(const std::vector<std::string>& phrases) {
  std::vector<std::vector<std::string>> out;
  for (const std::string& phrase : phrases)
    if (auto words = words_of(phrase); !words.empty()) out.push_back(std::move(words));
  return out;
}

const std::vector<std::string>* find_phrase(const std::vector<std::string>& words,
                                            const std::vector<std::vector<std::string>>& phrases) {
  for (const auto& phrase : phrases)
    if (std::search(words.begin(), words.end(), phrase.begin(), phrase.end()) != words.end()) return &phrase;
  return nullptr;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace billcheck::guidelines
