#include <billcheck/text.hpp>

#include <billcheck/memory.hpp>

#include <algorithm>
#include <utility>

namespace billcheck {
namespace {

/// Texts up to this size are looked up before being stored: ids and codes
/// repeat on every line, descriptions rarely do.
constexpr std::size_t kReuseUpTo = 24;
constexpr std::size_t kLargestBlock = std::size_t{1} << 20;
/// Once a store has grown to blocks of kLargestBlock, its blocks are of a
/// huge page each (allocate_pages): a 1M-line book's 60 MB of text then
/// faults in 30 pages, not 15,000. The unused end of a store's last block is
/// handed back when it is sealed or kept (release_tail).
constexpr std::size_t kHugeBlock = std::size_t{2} << 20;

/// Hands back [free, free + left), the unused end of the last of a store's
/// `blocks`, where that block is a mapping of its own.
void release_tail(const std::vector<std::shared_ptr<char[]>>& blocks, char* free, std::size_t left) noexcept {
  if (blocks.empty() || left == 0) return;
  if (const auto* release = std::get_deleter<PageRelease>(blocks.back()); release && release->mapped != 0)
    release_pages(free, left);
}

constexpr std::size_t kRecent = 256;

std::size_t recent_slot(std::string_view s) {
  return (s.size() * 7 + static_cast<unsigned char>(s.front()) * 3 + static_cast<unsigned char>(s.back())) &
         (kRecent - 1);
}

/// Whether the `n` bytes at `a` and `b` are equal, for n <= kReuseUpTo: a
/// few overlapping loads, where a call to memcmp cost more than the compare of
/// an id of a few bytes (a CSV load asks about a row's ids eight times).
[[gnu::always_inline]] inline bool same_short(const char* a, const char* b, std::size_t n) {
  const auto word = [](const char* p) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  const auto half = [](const char* p) {
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
  };
  if (n >= 8) {
    std::uint64_t differ = (word(a) ^ word(b)) | (word(a + n - 8) ^ word(b + n - 8));
    if (n > 16) differ |= word(a + 8) ^ word(b + 8);
    return differ == 0;
  }
  if (n >= 4) return ((half(a) ^ half(b)) | (half(a + n - 4) ^ half(b + n - 4))) == 0;
  return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
}

/// Whether `recent` (a stored text of kReuseUpTo bytes or less, or null) holds the bytes of `s`.
[[gnu::always_inline]] inline bool holds(const char* recent, std::string_view s) {
  if (!recent) return false;
  detail::TextHead head;
  std::memcpy(&head, recent - sizeof head, sizeof head);
  return head.size == s.size() && same_short(recent, s.data(), s.size());
}

/// A slot of the table of short texts: the text's address in the low 48 bits
/// (where Linux puts every user-space address on x86-64 and AArch64) and the
/// top 16 bits of its hash above, so that a probe passes over other texts'
/// slots without reading their heads (each such read was a cache miss: at the
/// table's load of a quarter to a half, a new id passes ~0.8 of them). A text
/// whose address does not fit is not put in the table (stored, not shared).
constexpr std::uint64_t kAddressBits = (std::uint64_t{1} << 48) - 1;
static_assert(sizeof(const char*) == sizeof(std::uint64_t));

std::uint64_t tag_of(std::uint64_t hash) { return hash & ~kAddressBits; }
const char* address_in(std::uint64_t slot) { return reinterpret_cast<const char*>(slot & kAddressBits); }

std::size_t entry_size(std::size_t size) {
  // Head, bytes, NUL, rounded up so that the next head is aligned.
  return (sizeof(detail::TextHead) + size + 1 + alignof(detail::TextHead) - 1) & ~(alignof(detail::TextHead) - 1);
}

}  // namespace

TextStore::TextStore(const TextStore& other)
    : blocks_(other.blocks_), next_block_(other.next_block_) {}

TextStore& TextStore::operator=(const TextStore& other) {
  if (this != &other) *this = TextStore(other);
  return *this;
}

char* TextStore::allocate(std::size_t n) {
  // Every block keeps room after its last entry for an empty head: the place
  // after any text is a head (TextStore::add tries it).
  n += sizeof(detail::TextHead);
  if (n > left_) {
    if (next_block_ >= kLargestBlock && n <= kHugeBlock) {
      PageBuffer block = allocate_pages(kHugeBlock);
      populate_pages(block.get(), kHugeBlock);  // one huge page, timed: what it costs is learnt as a book loads
      const PageRelease release = block.get_deleter();
      blocks_.push_back(std::shared_ptr<char[]>(block.release(), release));
      left_ = kHugeBlock;
    } else {
      const std::size_t size = std::max(n, next_block_);
      next_block_ = std::min(next_block_ * 2, kLargestBlock);
      blocks_.emplace_back(new char[size]);
      left_ = size;
    }
    free_ = blocks_.back().get();
  }
  char* at = free_;
  n -= sizeof(detail::TextHead);
  free_ += n;
  left_ -= n;
  return at;
}

Text TextStore::store(std::string_view s, std::uint64_t hash) {
  const std::size_t size = entry_size(s.size());
  char* at = allocate(size);
  const detail::TextHead head{static_cast<std::uint32_t>(hash), static_cast<std::uint32_t>(s.size())};
  std::memcpy(at, &head, sizeof head);
  char* bytes = at + sizeof head;
  if (!s.empty()) std::memcpy(bytes, s.data(), s.size());
  bytes[s.size()] = '\0';
  constexpr detail::TextHead kNone{0, 0};  // until the next entry is stored there
  std::memcpy(at + size, &kNone, sizeof kNone);
  return Text(bytes);
}

void TextStore::grow_table() {
  std::vector<std::uint64_t> old =
      std::exchange(table_, std::vector<std::uint64_t>(table_.empty() ? 1024 : table_.size() * 2));
  const std::size_t mask = table_.size() - 1;
  for (const std::uint64_t slot : old) {
    if (!slot) continue;
    std::size_t i = Text(address_in(slot)).hash() & mask;
    while (table_[i]) i = (i + 1) & mask;
    table_[i] = slot;
  }
}

Text TextStore::add(std::string_view s) {
  if (s.empty()) return Text();
  if (s.size() >= 0xffffffffu) throw std::length_error("a text of 4 GiB or more");
  if (s.size() > kReuseUpTo) return store(s, text_hash(s));
  if (!recent_) recent_ = std::make_unique<const char*[]>(kRecent + 1);  // zeroed
  const char*& recent = recent_[recent_slot(s)];
  if (holds(recent, s)) return Text(recent);
  // The text stored after the last one looked up: a column's ids often come
  // in the order they were first stored (the invoices' numbers, again in
  // their lines and payments), and the next is then found without the table.
  // (The place after the text last found is a head: an entry, or the empty
  // head every block keeps room for after its last entry.)
  const char*& successor = recent_[kRecent];
  const auto found = [&](Text t) {
    recent = t.data();
    successor = t.data() + entry_size(t.size());
    return t;
  };
  if (holds(successor, s)) return found(Text(successor));
  const std::uint64_t hash = text_hash(s);
  if ((table_used_ + 1) * 2 > table_.size()) grow_table();
  const std::size_t mask = table_.size() - 1;
  const auto h32 = static_cast<std::uint32_t>(hash);
  const std::uint64_t tag = tag_of(hash);
  std::size_t i = h32 & mask;
  for (; table_[i]; i = (i + 1) & mask) {
    if ((table_[i] & ~kAddressBits) != tag) continue;
    const Text t(address_in(table_[i]));
    if (t.hash() == h32 && t.size() == s.size() && same_short(t.data(), s.data(), s.size())) return found(t);
  }
  const Text t = store(s, hash);
  if (const auto address = reinterpret_cast<std::uint64_t>(t.data()); (address & ~kAddressBits) == 0) {
    table_[i] = address | tag;
    ++table_used_;
  }
  return found(t);
}

void TextStore::prefetch(std::string_view s, int step) const noexcept {
  if (s.empty() || s.size() > kReuseUpTo || table_.empty()) return;
  if (recent_ && holds(recent_[recent_slot(s)], s)) return;
  const std::uint64_t& slot = table_[static_cast<std::uint32_t>(text_hash(s)) & (table_.size() - 1)];
  if (step == 0) {
    __builtin_prefetch(&slot);
  } else if (slot) {
    __builtin_prefetch(address_in(slot) - sizeof(detail::TextHead));
  }
}

void TextStore::keep(const TextStore& other) {
  if (&other == this) return;
  blocks_.insert(blocks_.end(), other.blocks_.begin(), other.blocks_.end());
  release_tail(other.blocks_, other.free_, other.left_);
}

void TextStore::seal() {
  std::vector<std::uint64_t>().swap(table_);  // (`table_ = {}` would keep its memory: it assigns an empty list)
  table_used_ = 0;
  recent_.reset();
  release_tail(blocks_, free_, left_);
}

}  // namespace billcheck
