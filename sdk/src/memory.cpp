#include <billcheck/memory.hpp>

#include <cstdint>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace billcheck {
namespace {

constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
/// Buffers from this size up are mapped: below it, a mapping's rounding up to
/// a huge page would waste more than its faults cost.
constexpr std::size_t kMapFrom = std::size_t{1} << 20;

#if defined(__linux__)
std::uintptr_t small_page() noexcept { return static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE)); }

/// Gives `advice` for the whole pages of `unit` bytes (a power of two) inside
/// [p, p + bytes); a range that holds none is left alone.
void advise_inside(void* p, std::size_t bytes, std::uintptr_t unit, int advice) noexcept {
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + unit - 1) & ~(unit - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(unit - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, advice);
}
#endif

}  // namespace

void PageRelease::operator()(char* p) const noexcept {
#if defined(__linux__)
  if (mapped != 0) {
    ::munmap(p, mapped);
    return;
  }
#endif
  delete[] p;
}

PageBuffer allocate_pages(std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= kMapFrom && bytes <= SIZE_MAX - 2 * kHuge) {
    // Map a huge page more than needed, then unmap what lies outside the aligned part.
    const std::size_t size = (bytes + kHuge - 1) & ~(kHuge - 1);
    void* p = ::mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    const auto aligned = (at + kHuge - 1) & ~(kHuge - 1);
    if (aligned > at) ::munmap(p, aligned - at);
    if (const std::uintptr_t after = at + size + kHuge - (aligned + size); after > 0)
      ::munmap(reinterpret_cast<void*>(aligned + size), after);
    advise_huge_pages(reinterpret_cast<void*>(aligned), size);
    return PageBuffer(reinterpret_cast<char*>(aligned), PageRelease{size});
  }
#endif
  return PageBuffer(new char[bytes == 0 ? 1 : bytes]);
}

void release_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__)
  advise_inside(p, bytes, small_page(), MADV_DONTNEED);
#else
  (void)p;
  (void)bytes;
#endif
}

void populate_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  // Only a head start: where it is refused (an older kernel), the first writes fault the pages in.
  advise_inside(p, bytes, small_page(), MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)bytes;
#endif
}

void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Advice only: where it is refused (no transparent huge pages), the pages stay small.
  advise_inside(p, bytes, kHuge, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace billcheck
