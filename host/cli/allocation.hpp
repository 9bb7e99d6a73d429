// The large blocks the billcheck program's operator new maps itself
// (allocation.cpp), kept by address so that operator delete knows them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace billcheck::cli {

/// Where a mapped block starts: a huge page.
inline constexpr std::size_t kBlockAlign = std::size_t{2} << 20;

/// The blocks mapped here, by address, so that delete knows them (only their
/// addresses are huge-page aligned, and few of malloc's are).
class BlockTable {
 public:
  static constexpr std::size_t kSlots = 4096;

  /// False when the table is half full (thousands of large blocks at once: malloc takes the rest).
  bool add(std::uintptr_t at, std::size_t bytes) {
    std::lock_guard lock(mutex_);
    if (used_ >= kSlots / 2) return false;
    std::size_t i = slot(at);
    while (table_[i].at != 0) i = (i + 1) % kSlots;
    table_[i] = {at, bytes};
    ++used_;
    return true;
  }
  /// The size of the block at `at` (0 when it is not one of these), forgotten.
  std::size_t remove(std::uintptr_t at) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = slot(at); table_[i].at != 0; i = (i + 1) % kSlots) {
      if (table_[i].at != at) continue;
      const std::size_t bytes = table_[i].bytes;
      // Backward-shift deletion: the entries after it that probed past it move up.
      for (std::size_t j = (i + 1) % kSlots; table_[j].at != 0; j = (j + 1) % kSlots) {
        const std::size_t home = slot(table_[j].at);
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
          table_[i] = table_[j];
          i = j;
        }
      }
      table_[i] = {};
      --used_;
      return bytes;
    }
    return 0;
  }

 private:
  static std::size_t slot(std::uintptr_t at) { return (at / kBlockAlign) % kSlots; }
  struct Entry {
    std::uintptr_t at = 0;
    std::size_t bytes = 0;
  };
  std::mutex mutex_;
  std::array<Entry, kSlots> table_{};
  std::size_t used_ = 0;
};

}  // namespace billcheck::cli
