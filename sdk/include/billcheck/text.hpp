// The text of a record (ids, codes, names, descriptions): eight bytes that point
// into a TextStore the book owns, so that a million lines do not carry eight
// std::string each. Reads like a std::string_view; compares by content.
#pragma once

#include <billcheck/digits.hpp>
#include <billcheck/export.hpp>

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck {


namespace detail {
/// The steps of text_hash(), for code that hashes text it makes eight bytes at a
/// time (duplicates hashes descriptions as it lower-cases them) and must get
/// text_hash() of what it made.
constexpr std::uint64_t kTextHashMul = 0x9e3779b97f4a7c15ULL;
inline std::uint64_t text_hash_start(std::size_t size) { return size * kTextHashMul; }
/// Eight bytes, little-endian.
inline std::uint64_t text_hash_word(std::uint64_t h, std::uint64_t word) {
  h = (h ^ word) * kTextHashMul;
  return h ^ (h >> 29);
}
/// The last 1 to 7 bytes, little-endian, zero above them (tail_word()).
inline std::uint64_t text_hash_tail(std::uint64_t h, std::uint64_t tail) { return (h ^ tail) * kTextHashMul; }
inline std::uint64_t text_hash_finish(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}
}  // namespace detail

/// The hash every Text carries, and the one Book's tables use: eight bytes at a
/// time, then mixed (murmur3's finaliser). Ids are short; a byte loop showed in profiles.
inline std::uint64_t text_hash(std::string_view s) {
  std::uint64_t h = detail::text_hash_start(s.size());
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = detail::text_hash_word(h, w);
  }
  if (i < s.size()) h = detail::text_hash_tail(h, detail::tail_word(s.data(), s.size(), s.size() - i));
  return detail::text_hash_finish(h);
}

namespace detail {
/// What precedes the bytes of every Text: its hash (low 32 bits) and its size.
/// The bytes follow, then a NUL.
struct TextHead {
  std::uint32_t hash;
  std::uint32_t size;
};
struct EmptyText {
  TextHead head{0, 0};
  char bytes[8]{};
};
/// The empty text: text_hash("") is 0.
inline constexpr EmptyText kEmptyText{};
}  // namespace detail

/// Text held by a TextStore. A default Text is empty ("absent" in a record).
/// Valid while the store that made it (or a copy of that store) lives: a Book
/// keeps its records' texts. Copy it freely; it is a pointer.
class Text {
 public:
  constexpr Text() noexcept : p_(detail::kEmptyText.bytes) {}

  std::uint32_t size() const noexcept { return head().size; }
  std::size_t length() const noexcept { return size(); }
  bool empty() const noexcept { return size() == 0; }
  /// NUL-terminated.
  const char* data() const noexcept { return p_; }
  const char* c_str() const noexcept { return p_; }
  const char* begin() const noexcept { return p_; }
  const char* end() const noexcept { return p_ + size(); }
  char operator[](std::size_t i) const noexcept { return p_[i]; }
  char front() const noexcept { return p_[0]; }
  char back() const noexcept { return p_[size() - 1]; }
  /// text_hash(view()), kept with the bytes.
  std::uint32_t hash() const noexcept { return head().hash; }

  std::string_view view() const noexcept { return {p_, size()}; }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: reads as a view by design
  std::string str() const { return std::string(p_, size()); }
  /// A copy, where code keeps text beyond the book (a report, a key of a map of its own).
  operator std::string() const { return str(); }  // NOLINT: implicit, as a string_view is to a string

  bool starts_with(std::string_view s) const noexcept { return view().starts_with(s); }
  bool ends_with(std::string_view s) const noexcept { return view().ends_with(s); }
  std::size_t find(std::string_view s, std::size_t at = 0) const noexcept { return view().find(s, at); }
  std::size_t find(char c, std::size_t at = 0) const noexcept { return view().find(c, at); }
  std::size_t rfind(std::string_view s, std::size_t at = std::string_view::npos) const noexcept {
    return view().rfind(s, at);
  }
  std::size_t rfind(char c, std::size_t at = std::string_view::npos) const noexcept { return view().rfind(c, at); }
  std::string_view substr(std::size_t at, std::size_t n = std::string_view::npos) const {
    return view().substr(at, n);
  }
  int compare(std::string_view s) const noexcept { return view().compare(s); }

  friend bool operator==(Text a, Text b) noexcept {
    return a.p_ == b.p_ || (a.head().hash == b.head().hash && a.size() == b.size() &&
                            std::memcmp(a.p_, b.p_, a.size()) == 0);
  }
  friend bool operator==(Text a, std::string_view b) noexcept { return a.view() == b; }
  friend std::strong_ordering operator<=>(Text a, Text b) noexcept {
    if (a.p_ == b.p_) return std::strong_ordering::equal;
    return a.view().compare(b.view()) <=> 0;
  }
  friend std::strong_ordering operator<=>(Text a, std::string_view b) noexcept { return a.view().compare(b) <=> 0; }
  friend std::ostream& operator<<(std::ostream& out, Text t) { return out << t.view(); }

 private:
  friend class TextStore;
  explicit Text(const char* p) noexcept : p_(p) {}
  const detail::TextHead& head() const noexcept {
    return *reinterpret_cast<const detail::TextHead*>(p_ - sizeof(detail::TextHead));
  }
  const char* p_;
};

inline std::string operator+(std::string a, Text b) { return std::move(a.append(b.data(), b.size())); }
inline std::string operator+(Text a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + b.size());
  out.append(a.data(), a.size()).append(b);
  return out;
}
inline std::string operator+(const char* a, Text b) { return std::string(a) + b; }
inline std::string operator+(Text a, const char* b) { return a + std::string_view(b); }
inline std::string operator+(Text a, const std::string& b) { return a + std::string_view(b); }
inline std::string operator+(Text a, Text b) { return a + b.view(); }
inline std::string& operator+=(std::string& a, Text b) { return a.append(b.data(), b.size()); }

/// Owns the bytes of Texts. Written by one thread at a time; its texts may be
/// read from any thread. Equal short texts (ids, codes) are stored once.
/// A copy shares the bytes already stored (its texts stay valid in both) and
/// stores new ones apart, so a BookData copied and then changed is safe.
class BILLCHECK_SDK_API TextStore {
 public:
  TextStore() = default;
  TextStore(const TextStore& other);
  TextStore& operator=(const TextStore& other);
  TextStore(TextStore&&) noexcept = default;
  TextStore& operator=(TextStore&&) noexcept = default;
  ~TextStore() = default;

  /// A Text holding a copy of `s`.
  Text add(std::string_view s);
  /// Readies a later add(s) of a short text, in two steps some work apart:
  /// step 0 starts fetching into the cache the place where `s` is looked up,
  /// step 1 (once that has arrived) the text found there. A loader calls them
  /// for the rows ahead of the one it converts, so that a large book's lookups
  /// do not each wait on memory. Step 1 is optional. (Since ABI 5.3; billcheck's
  /// own loaders no longer call it: the CSV loader's blocks of rows, which
  /// convert a column at a time, gained nothing from it.)
  void prefetch(std::string_view s, int step) const noexcept;
  /// Keeps `other`'s texts valid for as long as this store (or a copy of it) lives.
  void keep(const TextStore& other);
  /// Forgets which texts are stored (a Book adds none), freeing that table.
  void seal();

 private:
  char* allocate(std::size_t n);
  Text store(std::string_view s, std::uint64_t hash);
  void grow_table();

  std::vector<std::shared_ptr<char[]>> blocks_;
  char* free_ = nullptr;
  std::size_t left_ = 0;
  std::size_t next_block_ = 4096;
  /// Short texts stored so far, for reuse: open addressing on the hash. A
  /// slot holds a text's address and 16 more bits of its hash (text.cpp).
  std::vector<std::uint64_t> table_;
  std::size_t table_used_ = 0;
  /// The short texts added last, by size and first and last byte: a loader adds
  /// the same invoice number, type and codes row after row, and finds them
  /// here without hashing them or missing the cache in table_. One slot more
  /// holds the place after the last text found (text.cpp; there, not in a
  /// member of its own, so that the store's layout is ABI 5's).
  std::unique_ptr<const char*[]> recent_;
};

}  // namespace billcheck

template <>
struct std::hash<billcheck::Text> {
  std::size_t operator()(billcheck::Text t) const noexcept { return t.hash(); }
};
