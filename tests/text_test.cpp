// billcheck::Text and TextStore: the hash every text carries, and what the
// store keeps once.
#include <billcheck/memory.hpp>
#include <billcheck/text.hpp>
#include <billcheck/version.hpp>

#include <gtest/gtest.h>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace billcheck {
namespace {

/// text_hash as first written: each tail copied into a zeroed word. Hashes are
/// kept with the texts and decide the order of some groupings, so a faster
/// form must give the same values.
std::uint64_t reference_hash(std::string_view s) {
  constexpr std::uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  std::uint64_t h = s.size() * kMul;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = (h ^ w) * kMul;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  return h ^ (h >> 33);
}

TEST(TextHash, IsTheSameForEverySizeAndByteAndReadsOnlyTheText) {
  for (std::size_t size = 0; size <= 40; ++size) {
    for (unsigned seed = 0; seed < 16; ++seed) {
      // A buffer of exactly `size` bytes: under ASan a read past it fails the test.
      auto bytes = std::make_unique<char[]>(size);
      for (std::size_t k = 0; k < size; ++k) bytes[k] = static_cast<char>((k * 131 + seed * 29 + 7) & 0xff);
      const std::string_view text(bytes.get(), size);
      EXPECT_EQ(text_hash(text), reference_hash(text)) << "size " << size << ", seed " << seed;
    }
  }
}

TEST(TextStore, KeepsEqualShortTextsOnceAndComparesByContent) {
  TextStore store;
  const Text a = store.add("INV-1041");
  const Text b = store.add(std::string("INV-") + "1041");
  EXPECT_EQ(a.data(), b.data());  // stored once
  EXPECT_EQ(a.hash(), static_cast<std::uint32_t>(text_hash("INV-1041")));
  const std::string long_text(40, 'x');
  const Text c = store.add(long_text), d = store.add(long_text);
  EXPECT_EQ(c, d);
  EXPECT_EQ(c.view(), long_text);
  EXPECT_EQ(c.data()[c.size()], '\0');

  TextStore other;
  const Text e = other.add("INV-1041");
  EXPECT_NE(a.data(), e.data());
  EXPECT_EQ(a, e);  // another store's text with the same bytes
  EXPECT_TRUE(Text().empty());
  EXPECT_EQ(store.add(""), Text());
}

// Lookups readied (prefetch) change no answer: texts added before are found
// again, each short text is stored once.
TEST(TextStore, PrefetchChangesNoTextAddFinds) {
  TextStore store;
  std::vector<Text> before;
  for (int i = 0; i < 3000; ++i) before.push_back(store.add("C-" + std::to_string(i)));
  store.prefetch("C-7", 0);
  store.prefetch("C-7", 1);
  store.prefetch("not there", 0);
  store.prefetch("not there", 1);
  store.prefetch(std::string(40, 'x'), 0);  // a long text: not looked up
  for (int i = 0; i < 3000; ++i) EXPECT_EQ(store.add("C-" + std::to_string(i)).data(), before[i].data()) << i;
  std::vector<Text> after;
  for (int i = 0; i < 100000; ++i) after.push_back(store.add("P-" + std::to_string(i)));
  for (int i = 0; i < 100000; i += 997) {
    EXPECT_EQ(store.add("P-" + std::to_string(i)).data(), after[i].data()) << i;
    EXPECT_EQ(after[i].view(), "P-" + std::to_string(i));
  }
  TextStore empty;
  empty.prefetch("C-1", 0);
  EXPECT_EQ(empty.add("C-1").view(), "C-1");
}

// Ids looked up again in the order they were stored (the store tries the text
// stored after the last one found before its table), in another order, and
// with new texts stored between: each is found, stored once. Sizes 1 to 24
// fill the store's first blocks to their ends, where the text after the last
// is an empty head the store keeps room for (under ASan a read past a block fails).
TEST(TextStore, FindsIdsAgainInTheOrderStoredAndInAnyOtherAcrossBlocks) {
  const auto id = [](std::size_t i) {
    std::string s = std::to_string(i);
    s.resize(1 + (i * 7) % 24, static_cast<char>('a' + i % 26));
    return s;
  };
  constexpr std::size_t kIds = 20000;
  TextStore store;
  std::vector<Text> first;
  for (std::size_t i = 0; i < kIds; ++i) first.push_back(store.add(id(i)));
  for (std::size_t i = 0; i < kIds; ++i) ASSERT_EQ(store.add(id(i)).data(), first[i].data()) << "in order, " << i;
  for (std::size_t i = kIds; i-- > 0;) ASSERT_EQ(store.add(id(i)).data(), first[i].data()) << "in reverse, " << i;
  for (std::size_t i = 0; i < kIds; ++i) {
    ASSERT_EQ(store.add(id(i)).data(), first[i].data()) << "between new texts, " << i;
    const Text added = store.add("new-" + std::to_string(i));
    ASSERT_EQ(added.view(), "new-" + std::to_string(i));
    ASSERT_EQ(store.add("new-" + std::to_string(i)).data(), added.data());
  }
  for (std::size_t i = 0; i < kIds; ++i) ASSERT_EQ(first[i].view(), id(i)) << i;
  // A text whose bytes start those of the one stored after: not taken for it.
  const Text a = store.add("INV-1"), b = store.add("INV-10");
  EXPECT_EQ(store.add("INV-1").data(), a.data());
  EXPECT_EQ(store.add("INV-1").view(), "INV-1");
  EXPECT_EQ(store.add("INV-10").data(), b.data());
}

// A BookData holds its TextStore by value, and a Book its BookData: a member
// added to the store changes their sizes and the places of what follows it,
// which a plugin's inline code reads: an ABI major change (docs/writing-plugins.md).
TEST(TextStore, KeepsTheSizeOfABI5) {
  if (BILLCHECK_ABI_MAJOR == 5 && sizeof(void*) == 8) {
    EXPECT_EQ(sizeof(TextStore), 88u) << "a member of TextStore added or removed: raise BILLCHECK_ABI_MAJOR";
  }
}

TEST(TextStore, ACopyKeepsTheTextsValidAfterTheOriginalIsGone) {
  Text kept;
  TextStore copy;
  {
    TextStore store;
    kept = store.add("Review carrier contract, and the annexes to it");
    copy = store;
  }
  EXPECT_EQ(kept.view(), "Review carrier contract, and the annexes to it");
  const Text added = copy.add("T7");
  EXPECT_EQ(added.view(), "T7");
}

TEST(TextStore, TextsOfManyMegabytesStayWholeThroughKeepAndSealAndAddsAfterThem) {
  // Past a few megabytes the store's blocks are huge pages of their own; keep()
  // and seal() hand back the unused end of the last one.
  const auto description = [](std::size_t i) { return "Review of file note " + std::to_string(i) + ", and the reply"; };
  constexpr std::size_t kTexts = 200000;  // about 10 MB
  TextStore store, piece;
  std::vector<Text> texts;
  for (std::size_t i = 0; i < kTexts; ++i) texts.push_back((i % 2 ? piece : store).add(description(i)));
  store.keep(piece);
  piece = TextStore();
  store.seal();
  const Text after_seal = store.add(description(kTexts));
  for (std::size_t i = 0; i < kTexts; ++i) ASSERT_EQ(texts[i].view(), description(i)) << i;
  EXPECT_EQ(after_seal.view(), description(kTexts));
  EXPECT_EQ(store.add("INV-1041").view(), "INV-1041");
}

TEST(PageBuffer, IsWritableWholeAndPagesReleasedReadAsZeros) {
  for (std::size_t bytes : {std::size_t{100}, std::size_t{1} << 20, (std::size_t{5} << 20) + 3}) {
    PageBuffer buffer = allocate_pages(bytes);
    ASSERT_NE(buffer.get(), nullptr);
    std::memset(buffer.get(), 'x', bytes);
    EXPECT_EQ(buffer[bytes - 1], 'x');
    if (buffer.get_deleter().mapped == 0) continue;
    EXPECT_GE(buffer.get_deleter().mapped, bytes);
    release_pages(buffer.get() + 1, bytes - 1);  // the first page is kept: it holds byte 0
    EXPECT_EQ(buffer[0], 'x');
    EXPECT_EQ(buffer[8192], '\0');  // a whole page inside the range
  }
}

#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
/// Whether every page of [p, p + bytes) is backed by memory now.
bool resident(const char* p, std::size_t bytes) {
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes + page - 1) & ~(page - 1);
  std::vector<unsigned char> in((end - begin) / page);
  if (::mincore(reinterpret_cast<void*>(begin), end - begin, in.data()) != 0) return false;
  return std::all_of(in.begin(), in.end(), [](unsigned char c) { return (c & 1) != 0; });
}

// A large range advised for huge pages has its first pages backed there and
// then (what huge pages cost is learnt from them), and still reads as zeros
// and keeps what is written, wherever it starts.
TEST(PageBuffer, AdvisedLargeRangeReadsAsZerosAndKeepsWrites) {
  for (std::size_t skew : {std::size_t{0}, std::size_t{4096}, std::size_t{777}}) {
    const std::size_t bytes = std::size_t{21} << 20;
    release_spare_pages();  // fresh memory, not the last round's kept (which holds 'z's)
    PageBuffer buffer = allocate_pages(bytes + skew);
    char* const room = buffer.get() + skew;
    advise_huge_pages(room, bytes);
    EXPECT_TRUE(std::all_of(room, room + bytes, [](char c) { return c == '\0'; })) << skew;
    std::memset(room, 'z', bytes);
    EXPECT_EQ(room[0], 'z');
    EXPECT_EQ(room[(std::size_t{6} << 20) + 5], 'z');
    EXPECT_EQ(room[bytes - 1], 'z');
  }
}

// Two threads populate the halves of a table that is not aligned to huge
// pages, several times over (the first 2 MiB of the process's first call are
// timed in small pages, later ones as huge pages, and whichever way that comes
// out the pages are backed, read as zeros and keep what is written).
TEST(PageBuffer, PopulatedPagesAreBackedAndReadAsZeros) {
  for (int round = 0; round < 3; ++round) {
    const std::size_t bytes = (std::size_t{13} << 20) + 4321;
    release_spare_pages();  // fresh memory, not the last round's kept (which holds 'y's)
    PageBuffer buffer = allocate_pages(bytes);
    char* const room = buffer.get() + 100;
    const std::size_t size = bytes - 100;
    advise_huge_pages(room, size);
    std::thread other([&] { populate_pages(room + size / 2, size - size / 2); });
    populate_pages(room, size / 2);
    other.join();
    if (buffer.get_deleter().mapped != 0) {
      const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
      // The whole pages inside each half (the page the halves share is whole
      // in neither: it is backed only where a huge page holds it).
      EXPECT_TRUE(resident(room + page, size / 2 - 2 * page)) << round;
      EXPECT_TRUE(resident(room + size / 2 + page, size - size / 2 - 2 * page)) << round;
    }
    EXPECT_TRUE(std::all_of(room, room + size, [](char c) { return c == '\0'; })) << round;
    std::memset(room, 'y', size);
    EXPECT_EQ(room[0], 'y');
    EXPECT_EQ(room[size - 1], 'y');
  }
}

// A buffer freed is kept, and the next one it holds gets its memory, already
// backed (a book loaded after another faults in nothing again); a buffer that
// none kept holds is mapped anew, and as much of those kept goes back to the
// system, so that the process holds no more than without them.
TEST(PageBuffer, FreedBuffersAreHandedOutAgainAndGoBackWhenMoreIsMapped) {
  release_spare_pages();
  const std::size_t bytes = std::size_t{6} << 20;
  PageBuffer first = allocate_pages(bytes);
  ASSERT_NE(first.get_deleter().mapped, 0u);
  std::memset(first.get(), 'q', bytes);
  const auto at = reinterpret_cast<std::uintptr_t>(first.get());
  first.reset();
  PageBuffer again = allocate_pages(bytes - 12345);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(again.get()), at);
  EXPECT_TRUE(resident(again.get(), bytes));
  EXPECT_EQ(again[bytes - 1], 'q');  // what it held: no zeros promised, none written
  again.reset();
  PageBuffer larger = allocate_pages(4 * bytes);
  // The buffer kept was unmapped: msync fails with ENOMEM there, unless the
  // new mapping took its place (which the system does only with addresses
  // no longer mapped).
  const auto larger_at = reinterpret_cast<std::uintptr_t>(larger.get());
  const bool taken_by_larger = at >= larger_at && at < larger_at + 4 * bytes;
  EXPECT_TRUE(taken_by_larger || ::msync(reinterpret_cast<void*>(at), 4096, MS_ASYNC) != 0);
}
#endif

}  // namespace
}  // namespace billcheck
