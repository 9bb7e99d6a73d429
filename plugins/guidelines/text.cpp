#include "rules.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

#if defined(__SSE2__)

namespace {

/// Bit i set when byte i of `v` is a word byte (as is_word_byte says), found for
/// all 16 at once: a byte is in [lo, lo + n) when, moved so that lo lands on -128, it is
/// below -128 + n as a signed byte.
std::uint32_t word_mask(__m128i v) {
  const auto in_range = [](__m128i x, char lo, int n) {
    return _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(static_cast<char>(0x80 - lo))),
                          _mm_set1_epi8(static_cast<char>(-128 + n)));
  };
  const __m128i letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 26);  // | 0x20 lower-cases A-Z
  const __m128i digit = in_range(v, '0', 10);
  const __m128i non_ascii = _mm_cmplt_epi8(v, _mm_setzero_si128());
  return static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letter, digit), non_ascii)));
}

std::uint32_t word_mask(const char* p) { return word_mask(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

/// word_mask() of the text's last bytes, from `base` on (1 to 15 of them), as if
/// zero bytes followed them. Read with loads of a fixed size: a copy into a
/// zeroed buffer (a call to memcpy, then a load that waited for its stores)
/// was a fifth of the time of reading a narrative.
std::uint32_t tail_mask(std::string_view text, std::size_t base) {
  const std::size_t left = text.size() - base;
  if (text.size() >= 16)  // the last 16 bytes, the ones before `base` shifted out
    return word_mask(text.data() + text.size() - 16) >> (16 - left);
  std::uint64_t low, high = 0;  // a text of fewer than 16 bytes: base is 0
  if (left >= 8) {
    std::memcpy(&low, text.data(), 8);
    if (left > 8) high = detail::tail_word(text.data(), left, left - 8);
  } else {
    low = detail::tail_word(text.data(), left, left);
  }
  return word_mask(_mm_set_epi64x(static_cast<long long>(high), static_cast<long long>(low)));
}

}  // namespace

// Narratives are read 16 bytes at a time: the bits where a word starts or ends are
// visited in order, so the cost is per word, not a mispredicted branch per byte.
std::size_t words_into(std::string_view text, std::span<std::string_view> out, std::size_t limit) {
  std::size_t n = 0, start = 0;
  auto edges = [&](std::size_t base, std::uint32_t mask, std::uint32_t carry) {
    for (std::uint32_t t = (mask ^ ((mask << 1) | carry)) & 0xFFFF; t != 0; t &= t - 1) {
      const auto at = static_cast<std::size_t>(__builtin_ctz(t));
      if (mask >> at & 1) {
        start = base + at;
      } else {
        if (n < out.size()) out[n] = text.substr(start, base + at - start);
        if (++n == limit) return false;
      }
    }
    return true;
  };
  if (limit == 0) return 0;
  std::uint32_t carry = 0;  // whether the byte before the chunk is a word byte
  std::size_t base = 0;
  for (; base + 16 <= text.size(); base += 16) {
    const std::uint32_t mask = word_mask(text.data() + base);
    if (!edges(base, mask, carry)) return n;
    carry = mask >> 15 & 1;
  }
  if (base < text.size()) {
    if (!edges(base, tail_mask(text, base), carry)) return n;  // zero bytes after the text end its last word
  } else if (carry) {
    if (n < out.size()) out[n] = text.substr(start);
    ++n;
  }
  return n;
}

#else

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

#endif

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
  for (std::size_t at = 0; at < words.size(); ++at) {
    // Most words start no phrase: the (first byte, length) table says so here, without a call.
    const std::string_view word = words[at];
    if (lengths_by_first_[static_cast<unsigned char>(lower_ascii(word.front()))] >> length_bit(word.size()) & 1)
      best = std::min(best, match_start(words.subspan(at)));
  }
  return best;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace billcheck::guidelines
