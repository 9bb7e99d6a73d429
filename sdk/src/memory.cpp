#include <billcheck/memory.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
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

/// What backing memory costs this process, as populate_pages finds it
/// (billcheck/memory.hpp). Measured on this project's machines: a fresh huge
/// page 0.24 ms, or 4.8 ms where the host must first find the memory again,
/// against 0.47-0.65 ms for 512 small pages; elsewhere a small page has cost
/// 13-45 us and a huge page 1-2 ms. The rule compares the two as this process
/// finds them, not against a fixed figure.
struct PageCosts {
  std::atomic<std::int64_t> small_ns{0};  // 2 MiB in small pages; 0: not yet timed, -1: being timed
  std::atomic<int> dear_huge_pages{0};
  std::atomic<bool> huge_dear{false};
};
constinit PageCosts g_costs;
constexpr int kDearAfter = 2;
/// A huge page that cost this many times its small pages is enough alone:
/// such a one cost 5-58 ms here, and waiting for a second cost as much again.
constexpr std::int64_t kDearAtOnce = 4;

/// The ranges advise_huge_pages has advised, so that the parts of them not yet
/// written can be told otherwise once huge pages prove dear (a table reserved
/// before, then written page by page, faulted in dear huge pages after). A
/// range freed since, or mapped again for something else, is only advised to
/// stay in small pages. Past the table's room the latest ranges take the
/// places of the earliest (in a long-running process, the tables still in
/// use); populate_pages then advises each range it is given itself.
struct AdvisedRanges {
  static constexpr std::size_t kRoom = 256;
  std::atomic<std::size_t> used{0};
  std::atomic<std::uintptr_t> begin[kRoom]{}, end[kRoom]{};

  std::atomic<bool> told{false};  // every range in the table has been told to take small pages

  /// Whether every range advised has been told to take small pages (huge pages proved dear).
  bool all_told() const noexcept {
    return told.load(std::memory_order_acquire) && used.load(std::memory_order_relaxed) <= kRoom;
  }

  void add(std::uintptr_t from, std::uintptr_t to) noexcept {
    const std::size_t k = used.fetch_add(1, std::memory_order_relaxed) % kRoom;
    end[k].store(to, std::memory_order_relaxed);
    begin[k].store(from);  // (seq_cst: it, or the check for dear after it, is seen; advise_huge_pages)
  }
};
constinit AdvisedRanges g_advised;
/// A range advised from this size up, while huge pages have not proved dear,
/// has its first kProbePages huge pages backed and timed at once (advise_huge_pages).
constexpr std::size_t kLearnFrom = std::size_t{8} << 20;
constexpr std::uintptr_t kProbePages = 4;

#if defined(__linux__)
/// The spans unmap_pages keeps for map_pages to hand out again (billcheck/memory.hpp).
class Spares {
 public:
  static constexpr std::size_t kRoom = 64;
  static constexpr std::size_t kKeepUpTo = std::size_t{1} << 30;
  static constexpr std::chrono::seconds kKeepFor{10};

  /// The smallest span kept that holds `bytes`, cut to the huge pages that
  /// hold them where a huge page or more is left over; {} when none does, and
  /// then as much as `bytes` of the spans kept is given back (the oldest first).
  PageSpan take(std::size_t bytes) noexcept {
    Unmapping gone;
    const std::lock_guard lock(mutex_);
    expire(gone);
    std::size_t best = count_;
    for (std::size_t i = 0; i < count_; ++i)
      if (spare_[i].span.bytes >= bytes && (best == count_ || spare_[i].span.bytes < spare_[best].span.bytes)) best = i;
    if (best == count_) {
      for (std::size_t given = 0; given < bytes && count_ > 0;) given += gone.add(remove(0));
      return {};
    }
    Spare& spare = spare_[best];
    if (const std::size_t cut = (bytes + kHuge - 1) & ~(kHuge - 1); spare.span.bytes >= cut + kHuge) {
      const PageSpan taken{spare.span.at, cut};
      spare.span.at += cut;
      spare.span.bytes -= cut;
      kept_ -= cut;
      return taken;
    }
    return remove(best);
  }

  /// Keeps `span`, giving back the oldest kept where they would hold more than kKeepUpTo.
  void keep(PageSpan span) noexcept {
    Unmapping gone;
    const std::lock_guard lock(mutex_);
    expire(gone);
    if (span.bytes > kKeepUpTo) {
      gone.add(span);
      return;
    }
    while (count_ == kRoom || kept_ + span.bytes > kKeepUpTo) gone.add(remove(0));
    spare_[count_++] = {span, std::chrono::steady_clock::now()};
    kept_ += span.bytes;
  }

  void release_all() noexcept {
    Unmapping gone;
    const std::lock_guard lock(mutex_);
    while (count_ > 0) gone.add(remove(0));
  }

 private:
  struct Spare {
    PageSpan span;
    std::chrono::steady_clock::time_point since;
  };
  /// Spans to unmap once the lock is let go (declared before it, destroyed after).
  struct Unmapping {
    PageSpan span[kRoom + 1];
    std::size_t n = 0;
    std::size_t add(PageSpan s) noexcept {
      span[n++] = s;
      return s.bytes;
    }
    ~Unmapping() {
      for (std::size_t i = 0; i < n; ++i) ::munmap(span[i].at, span[i].bytes);
    }
  };

  /// The span kept `i`th (0: the oldest), no longer kept.
  PageSpan remove(std::size_t i) noexcept {
    const PageSpan span = spare_[i].span;
    std::copy(spare_ + i + 1, spare_ + count_, spare_ + i);
    --count_;
    kept_ -= span.bytes;
    return span;
  }
  void expire(Unmapping& gone) noexcept {
    const auto now = std::chrono::steady_clock::now();
    while (count_ > 0 && now - spare_[0].since > kKeepFor) gone.add(remove(0));
  }

  std::mutex mutex_;
  Spare spare_[kRoom]{};
  std::size_t count_ = 0;
  std::size_t kept_ = 0;
};
constinit Spares g_spares;

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

PageSpan map_pages(std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes == 0 || bytes > SIZE_MAX - 2 * kHuge) return {};
  const std::size_t page = small_page();
  const std::size_t size = (bytes + page - 1) & ~(page - 1);
  if (const PageSpan kept = g_spares.take(size); kept.at) return kept;
  // Map a huge page more than needed, then unmap what lies outside the aligned part.
  void* p = ::mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return {};
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  const auto aligned = (at + kHuge - 1) & ~(kHuge - 1);
  if (aligned > at) ::munmap(p, aligned - at);
  if (const std::uintptr_t after = at + size + kHuge - (aligned + size); after > 0)
    ::munmap(reinterpret_cast<void*>(aligned + size), after);
  advise_huge_pages(reinterpret_cast<void*>(aligned), size & ~(kHuge - 1));
  return {reinterpret_cast<char*>(aligned), size};
#else
  (void)bytes;
  return {};
#endif
}

void unmap_pages(PageSpan span) noexcept {
#if defined(__linux__)
  if (span.at) g_spares.keep(span);
#else
  (void)span;
#endif
}

void release_spare_pages() noexcept {
#if defined(__linux__)
  g_spares.release_all();
#endif
}

void PageRelease::operator()(char* p) const noexcept {
  if (mapped != 0) {
    unmap_pages({p, mapped});
    return;
  }
  delete[] p;
}

PageBuffer allocate_pages(std::size_t bytes) {
  if (bytes >= kMapFrom && bytes <= SIZE_MAX - 2 * kHuge) {
    const PageSpan span = map_pages((bytes + kHuge - 1) & ~(kHuge - 1));
    if (span.at) return PageBuffer(span.at, PageRelease{span.bytes});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    throw std::bad_alloc();
#endif
  }
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

#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
namespace {

/// Once huge pages have proved dear: the ranges advised for them are to be
/// backed in small pages where they are not yet backed.
void advise_small_pages_from_now() noexcept {
  const std::size_t n = std::min(g_advised.used.load(std::memory_order_relaxed), AdvisedRanges::kRoom);
  for (std::size_t k = 0; k < n; ++k)  // (a place written twice at once may pair one's begin with the other's end)
    if (const std::uintptr_t begin = g_advised.begin[k].load(), end = g_advised.end[k].load(std::memory_order_relaxed);
        begin != 0 && end > begin)
      (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_NOHUGEPAGE);
  g_advised.told.store(true, std::memory_order_release);
}

std::int64_t populate_timed(std::uintptr_t begin, std::uintptr_t end) noexcept {
  const auto start = std::chrono::steady_clock::now();
  (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace
#endif

void populate_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  // Only a head start: where it is refused (an older kernel), the first writes fault the pages in.
  const std::uintptr_t page = small_page();
  std::uintptr_t at = (reinterpret_cast<std::uintptr_t>(p) + page - 1) & ~(page - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(page - 1);
  while (at < end) {
    const std::uintptr_t huge_at = (at + kHuge - 1) & ~(kHuge - 1);
    const bool dear = g_costs.huge_dear.load(std::memory_order_relaxed);
    if (dear || huge_at + kHuge > end) {
      // (Advice changes the process's map under its lock for writing, which
      // waits for every populate under way: where the ranges advised were all
      // told already, two threads populating a table did not take turns.)
      if (dear && !g_advised.all_told()) (void)::madvise(reinterpret_cast<void*>(at), end - at, MADV_NOHUGEPAGE);
      (void)populate_timed(at, end);
      return;
    }
    if (huge_at > at) (void)populate_timed(at, huge_at);  // the part before the first whole huge page
    at = huge_at + kHuge;
    std::int64_t expected = 0;
    if (g_costs.small_ns.compare_exchange_strong(expected, -1, std::memory_order_relaxed)) {
      (void)::madvise(reinterpret_cast<void*>(huge_at), kHuge, MADV_NOHUGEPAGE);
      g_costs.small_ns.store(std::max<std::int64_t>(1, populate_timed(huge_at, at)), std::memory_order_relaxed);
      continue;
    }
    const std::int64_t took = populate_timed(huge_at, at);
    if (const std::int64_t small = g_costs.small_ns.load(std::memory_order_relaxed);
        small > 0 && took > small + small / 2 &&
        (took > kDearAtOnce * small ||
         g_costs.dear_huge_pages.fetch_add(1, std::memory_order_relaxed) + 1 >= kDearAfter) &&
        !g_costs.huge_dear.exchange(true))
      advise_small_pages_from_now();
  }
#else
  (void)p;
  (void)bytes;
#endif
}

void advise_huge_pages(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Advice only: where it is refused (no transparent huge pages), the pages stay small.
  if (g_costs.huge_dear.load(std::memory_order_relaxed)) return;
  std::uintptr_t at = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (end <= at) return;
#if defined(MADV_POPULATE_WRITE)
  // A large range's first huge pages are backed now, one at a time, and timed
  // (populate_pages): what a load that populates nothing itself (on one
  // thread, or of a JSON or LEDES file) learns from, with its text store's
  // blocks. Faulted in by its writes where huge pages were dear, a 1M-line
  // check took 2-3 s, not 0.6-0.8.
  if (end - at >= kLearnFrom)
    for (const std::uintptr_t probed = at + kProbePages * kHuge;
         at < probed && !g_costs.huge_dear.load(std::memory_order_relaxed); at += kHuge) {
      (void)::madvise(reinterpret_cast<void*>(at), kHuge, MADV_HUGEPAGE);
      populate_pages(reinterpret_cast<void*>(at), kHuge);
    }
  if (at >= end || g_costs.huge_dear.load(std::memory_order_relaxed)) return;
#endif
  (void)::madvise(reinterpret_cast<void*>(at), end - at, MADV_HUGEPAGE);
  g_advised.add(at, end);
  // Huge pages proved dear meanwhile, before the range was in the table to be told: it is told here.
  if (g_costs.huge_dear.load()) (void)::madvise(reinterpret_cast<void*>(at), end - at, MADV_NOHUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

}  // namespace billcheck
