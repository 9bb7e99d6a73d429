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
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + page - 1) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(page - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
#else
  (void)p;
  (void)bytes;
#endif
}

void populate_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(p) & ~(page - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes + page - 1) & ~(page - 1);
  // Only a head start: where it is refused (an older kernel), the first writes fault the pages in.
  if (bytes > 0) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)bytes;
#endif
}

void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const auto begin = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHuge - 1);
  // Advice only: where it is refused (no transparent huge pages), the pages stay small.
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace billcheck
