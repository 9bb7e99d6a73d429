// The billcheck program's operator new (host/cli/allocation.cpp), linked into
// this test alone: large blocks start on a huge page, are handed out again
// once deleted (billcheck::map_pages keeps them a while) and go back to the
// system, whatever the order; past the blocks it keeps track of, and for small
// blocks, malloc serves.
#include "allocation.hpp"

#include <billcheck/memory.hpp>

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <utility>
#include <vector>

namespace {

constexpr std::size_t kHuge = std::size_t{2} << 20;

/// Whether the page at `p` is mapped (msync fails with ENOMEM where it is not).
/// (By address: a block deleted is asked about too.)
bool mapped(std::uintptr_t at) {
  void* page = reinterpret_cast<void*>(at & ~std::uintptr_t{4095});
  return ::msync(page, 4096, MS_ASYNC) == 0;
}

std::uintptr_t address(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
bool mapped(const void* p) { return mapped(address(p)); }

bool on_huge_page(const void* p) { return address(p) % kHuge == 0; }

TEST(ProgramAllocation, LargeBlocksStartOnAHugePageAndHoldWhatIsWritten) {
  for (std::size_t n : {kHuge, kHuge + 1, kHuge + kHuge / 2, 4 * kHuge, 5 * kHuge + 123, 16 * kHuge}) {
    char* p = new char[n];
    EXPECT_TRUE(on_huge_page(p)) << n;
    p[0] = 'a';
    p[n - 1] = 'z';
    EXPECT_EQ(p[0] + p[n - 1], 'a' + 'z');
    delete[] p;
  }
  // Below a huge page: malloc's, as before.
  std::vector<char*> small;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4096}, kHuge - 1}) small.push_back(new char[n]);
  for (char* p : small) delete[] p;
}

// Deleted, a block is kept for the next one that fits in it (the memory a
// book's load gave back, for the next load), and given back to the system
// once kept ten seconds, past the 64 kept, or asked to.
TEST(ProgramAllocation, DeletedBlocksGoBackToTheSystemInAnyOrder) {
  billcheck::release_spare_pages();
  std::vector<std::pair<char*, std::size_t>> blocks;
  for (int i = 0; i < 300; ++i) {
    const std::size_t n = kHuge + static_cast<std::size_t>(i) * 40961;
    blocks.emplace_back(new char[n], n);
    blocks.back().first[n - 1] = 1;
  }
  std::shuffle(blocks.begin(), blocks.end(), std::mt19937(7));
  std::vector<std::pair<std::uintptr_t, std::size_t>> deleted;
  for (auto [p, n] : blocks) {
    ASSERT_TRUE(mapped(p) && mapped(p + n - 1));
    deleted.emplace_back(address(p), n);
    delete[] p;
  }
  const auto still_mapped = std::count_if(deleted.begin(), deleted.end(), [](auto b) { return mapped(b.first); });
  EXPECT_GT(still_mapped, 0);
  EXPECT_LE(still_mapped, 64);  // the latest deleted, kept
  billcheck::release_spare_pages();
  for (auto [at, n] : deleted) EXPECT_FALSE(mapped(at) || mapped(at + n - 1)) << n;
}

TEST(ProgramAllocation, ADeletedBlockIsHandedOutAgainWithWhatItHeld) {
  billcheck::release_spare_pages();
  const std::size_t n = 12 * kHuge + 4321;
  char* p = new char[n];
  std::fill(p, p + n, 'k');
  const std::uintptr_t at = address(p);
  delete[] p;
  char* small = new char[3 * kHuge];  // the front of the block deleted, cut to the huge pages it needs
  EXPECT_EQ(address(small), at);
  char* rest = new char[5 * kHuge];  // the next part of it
  EXPECT_EQ(address(rest), at + 3 * kHuge);
  EXPECT_EQ(rest[5 * kHuge - 1], 'k');  // not zeroed: no fault, no clearing (as new promises nothing)
  char* larger = new char[n];  // held by none of what is kept: mapped anew (the rest kept given back)
  EXPECT_TRUE(address(larger) + n <= at || address(larger) >= at + 8 * kHuge);
  delete[] larger;
  delete[] rest;
  delete[] small;
  billcheck::release_spare_pages();
  EXPECT_FALSE(mapped(at) || mapped(at + 3 * kHuge));
}

TEST(ProgramAllocation, MoreBlocksThanItKeepsTrackOfComeFromMalloc) {
  std::vector<char*> blocks;
  for (int i = 0; i < 2300; ++i) blocks.push_back(new char[kHuge]);  // never touched: address space only
  const auto aligned = std::count_if(blocks.begin(), blocks.end(), on_huge_page);
  EXPECT_GE(aligned, 2048);  // what the table holds (malloc's may be aligned by chance)
  EXPECT_LT(aligned, 2300);
  std::shuffle(blocks.begin(), blocks.end(), std::mt19937(11));
  for (char* p : blocks) delete[] p;  // malloc's to free(), the others unmapped
  // The table has room again.
  char* p = new char[kHuge];
  EXPECT_TRUE(on_huge_page(p));
  delete[] p;
}

}  // namespace

namespace billcheck::cli {
namespace {

// Addresses kSlots huge pages apart share a slot: the table probes past the
// ones taken, and forgetting one keeps the others found.
TEST(ProgramAllocation, TheTableFindsBlocksThatShareASlotWhicheverIsForgottenFirst) {
  constexpr std::uintptr_t kApart = BlockTable::kSlots * kBlockAlign;
  for (unsigned seed = 1; seed <= 20; ++seed) {
    auto table = std::make_unique<BlockTable>();
    std::vector<std::uintptr_t> blocks;
    // Runs that share a slot, and their neighbours, some wrapping past the table's end.
    for (std::uintptr_t k = 1; k <= 6; ++k)
      for (std::uintptr_t slot : {std::uintptr_t{5}, std::uintptr_t{6}, BlockTable::kSlots - 2})
        blocks.push_back(k * kApart + slot * kBlockAlign);
    for (std::uintptr_t at : blocks) ASSERT_TRUE(table->add(at, at / kBlockAlign));
    std::shuffle(blocks.begin(), blocks.end(), std::mt19937(seed));
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      EXPECT_EQ(table->remove(blocks[i]), blocks[i] / kBlockAlign) << seed << " " << i;
      EXPECT_EQ(table->remove(blocks[i]), 0u);  // forgotten
      for (std::size_t j = i + 1; j < blocks.size(); ++j) {  // the others still found
        EXPECT_EQ(table->remove(blocks[j]), blocks[j] / kBlockAlign) << seed << " " << i << " " << j;
        ASSERT_TRUE(table->add(blocks[j], blocks[j] / kBlockAlign));
      }
    }
  }
}

TEST(ProgramAllocation, TheTableRefusesBlocksPastHalfItsSlots) {
  auto table = std::make_unique<BlockTable>();
  for (std::uintptr_t k = 1; k <= BlockTable::kSlots / 2; ++k) ASSERT_TRUE(table->add(k * kBlockAlign, 1));
  EXPECT_FALSE(table->add((BlockTable::kSlots + 1) * kBlockAlign, 1));
  EXPECT_EQ(table->remove(kBlockAlign), 1u);
  EXPECT_TRUE(table->add((BlockTable::kSlots + 1) * kBlockAlign, 1));
}

}  // namespace
}  // namespace billcheck::cli
