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

bool same_word(std::string_view word, std::string_view lower) {
  if (word.size() != lower.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != lower[i]) return false;
  }
  return true;
}

PhraseMatcher::PhraseMatcher(std::vector<std::vector<std::string>> phrases) : phrases_(std::move(phrases)) {
  for (std::size_t i = 0; i < phrases_.size(); ++i) by_first_[phrases_[i].front()].push_back(i);
}

std::size_t PhraseMatcher::match_start(std::span<const std::string_view> words) const {
  if (words.empty()) return npos;
  const std::string_view first = words.front();
  // The word in lower case, as the index keys it: on the stack, but for a very long word.
  char buffer[64];
  std::string long_word;
  char* lower = buffer;
  if (first.size() > sizeof buffer) {
    long_word.resize(first.size());
    lower = long_word.data();
  }
  for (std::size_t i = 0; i < first.size(); ++i)
    lower[i] = first[i] >= 'A' && first[i] <= 'Z' ? static_cast<char>(first[i] - 'A' + 'a') : first[i];
  const auto it = by_first_.find(std::string_view(lower, first.size()));
  if (it == by_first_.end()) return npos;
  for (std::size_t i : it->second) {  // in list order
    const auto& phrase = phrases_[i];
    if (phrase.size() > words.size()) continue;
    bool all = true;
    for (std::size_t w = 1; w < phrase.size() && all; ++w) all = same_word(words[w], phrase[w]);
    if (all) return i;
  }
  return npos;
}

std::size_t PhraseMatcher::find(std::span<const std::string_view> words) const {
  std::size_t best = npos;
  for (std::size_t at = 0; at < words.size(); ++at) best = std::min(best, match_start(words.subspan(at)));
  return best;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace billcheck::guidelines
