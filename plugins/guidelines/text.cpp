#include "rules.hpp"

#include <algorithm>
#include <unordered_map>

namespace billcheck::guidelines {

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (is_word_byte(c)) {
      word += lower_ascii(c);
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

std::size_t count_words(std::string_view text, std::size_t limit) { return words_into(text, {}, limit); }

std::size_t words_into(std::string_view text, std::span<std::string_view> out, std::size_t limit) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size() && n < limit;) {
    if (!is_word_byte(text[i])) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    while (++i < text.size() && is_word_byte(text[i])) {
    }
    if (n < out.size()) out[n] = text.substr(start, i - start);
    ++n;
  }
  return n;
}

std::vector<std::vector<std::string>> phrases_of(const std::vector<std::string>& phrases) {
  std::vector<std::vector<std::string>> out;
  for (const std::string& phrase : phrases)
    if (auto words = words_of(phrase); !words.empty()) out.push_back(std::move(words));
  return out;
}

PhraseMatcher::PhraseMatcher(std::vector<std::vector<std::string>> phrases) : phrases_(std::move(phrases)) {
  // Group the phrase indices by first word (in list order within a word), first words in order of appearance.
  std::vector<std::string_view> firsts;
  std::vector<std::vector<std::uint32_t>> groups;
  std::unordered_map<std::string_view, std::size_t> group_of;
  for (std::size_t i = 0; i < phrases_.size(); ++i) {
    const std::string_view first = phrases_[i].front();
    longest_ = std::max(longest_, phrases_[i].size());
    const auto [at, added] = group_of.emplace(first, firsts.size());
    if (added) {
      firsts.push_back(first);
      groups.emplace_back();
    }
    groups[at->second].push_back(static_cast<std::uint32_t>(i));
  }
  std::size_t size = 4;
  while (size < 2 * firsts.size()) size *= 2;
  slots_.resize(size);
  for (std::size_t g = 0; g < firsts.size(); ++g) {
    const std::string_view first = firsts[g];
    lengths_by_first_[static_cast<unsigned char>(first.front())] |= std::uint64_t{1} << length_bit(first.size());
    std::size_t s = hash(first) & (size - 1);
    while (!slots_[s].word.empty()) s = (s + 1) & (size - 1);
    slots_[s] = {first, static_cast<std::uint32_t>(ids_.size()),
                 static_cast<std::uint32_t>(ids_.size() + groups[g].size())};
    ids_.insert(ids_.end(), groups[g].begin(), groups[g].end());
  }
}

std::uint64_t PhraseMatcher::hash(std::string_view word) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : word) h = (h ^ static_cast<unsigned char>(lower_ascii(c))) * 0x100000001b3ULL;
  return h;
}

std::span<const std::uint32_t> PhraseMatcher::starting_with(std::string_view word) const {
  // Words are never empty, and most have no phrase: the (first byte, length) table says so without hashing.
  const std::uint64_t lengths = lengths_by_first_[static_cast<unsigned char>(lower_ascii(word.front()))];
  if (!(lengths >> length_bit(word.size()) & 1)) return {};
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t s = hash(word) & mask; !slots_[s].word.empty(); s = (s + 1) & mask)
    if (same_word(word, slots_[s].word))
      return std::span<const std::uint32_t>(ids_).subspan(slots_[s].begin, slots_[s].end - slots_[s].begin);
  return {};
}

std::size_t PhraseMatcher::match_start(std::span<const std::string_view> words) const {
  if (words.empty()) return npos;
  for (std::uint32_t i : starting_with(words.front())) {  // in list order
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
