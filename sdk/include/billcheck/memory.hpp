// How large tables ask the operating system for their memory.
#pragma once

#include <billcheck/export.hpp>

#include <cstddef>
#include <memory>
#include <vector>

namespace billcheck {

/// Asks that the memory [p, p + bytes), not yet written, be backed by huge
/// pages (2 MiB on x86-64) where the system lets a program ask (Linux's
/// transparent huge pages in "madvise" mode, as Debian ships them). A table
/// of a million lines then faults in 60 pages, not 30,000, and misses the TLB
/// far less: the whole check of a 1M-line book took a third less time. Only
/// the whole huge pages inside the range are affected; a small range, or a
/// system without them, is left as it is.
///
/// Huge pages can also be far dearer than small ones (below): a range of 8 MiB
/// or more has its first four huge pages backed at once and timed
/// (populate_pages), so that a table reserved and then written a record at a
/// time teaches what they cost too. Once they have proved dear, it asks
/// nothing, and the ranges it advised before are told to take small pages
/// where they are not yet backed.
BILLCHECK_SDK_API void advise_huge_pages(void* p, std::size_t bytes) noexcept;

/// Has the system back the whole pages of [p, p + bytes), not yet written,
/// with memory now rather than at each first write (Linux's
/// MADV_POPULATE_WRITE; elsewhere it does nothing). Faulting in a fresh table takes the system a while (136 MB
/// of a 1M-line book's lines: 20 ms, or 200 ms on a virtual machine whose host
/// must first find the memory); threads that each populate a part of it do
/// so side by side, where the first writes would do it on one.
///
/// It also learns what huge pages cost: the first 2 MiB it is ever given are
/// backed in small pages, and each later huge page is timed against them.
/// Where a huge page costs more than half as long again as its 512 small
/// pages, twice, or four times as long once (a virtual machine whose host took
/// back the memory the guest freed: 5-75 ms against 0.5 ms, once the few huge
/// pages the guest still held are used), huge pages are dear: the rest of the
/// range, and every range after, is backed in small pages, the ranges
/// advise_huge_pages advised before are told to take small pages where not
/// yet backed, and it asks nothing more in this process. A 1M-line check
/// there: 0.59 -> 0.42 s.
BILLCHECK_SDK_API void populate_pages(void* p, std::size_t bytes) noexcept;

/// A mapping of its own: `bytes` (a whole number of small pages) from `at`, a
/// huge-page boundary.
struct PageSpan {
  char* at = nullptr;
  std::size_t bytes = 0;
};

/// Maps at least `bytes` (1 MiB or more), starting on a huge page, with the
/// whole huge pages inside advised for them (advise_huge_pages); {} when no
/// address space is left. Where this process has unmapped a span since
/// (unmap_pages) that holds `bytes`, that span's memory is handed out again,
/// already backed, instead of being faulted in anew: a program that loads a
/// book after another (the service; a benchmark's best of 3) spent a quarter
/// of a load's CPU time in the kernel, faulting in and zeroing the memory the
/// load before had just given back. Like `new`'s, the memory holds whatever
/// it held: nothing may count on zeros.
BILLCHECK_SDK_API PageSpan map_pages(std::size_t bytes) noexcept;

/// Gives back a span from map_pages. It is kept for the next map_pages, as a
/// memory allocator keeps what is freed, while the spans kept hold no more
/// than 1 GiB, for 10 seconds at most (the next call to either function gives
/// older ones back to the system); a span newly mapped gives back as much of
/// those kept, so that the process holds little more at its peak than
/// without them (a 1M-line check: 1-2 MB more, ~1%). release_spare_pages
/// gives them all back at once.
BILLCHECK_SDK_API void unmap_pages(PageSpan span) noexcept;

/// Gives back to the system every span unmap_pages kept.
BILLCHECK_SDK_API void release_spare_pages() noexcept;

/// Frees a PageBuffer: unmaps its pages (unmap_pages), or deletes it where it came from `new`.
struct BILLCHECK_SDK_API PageRelease {
  std::size_t mapped = 0;  // the bytes mapped; 0: the buffer came from new[]
  void operator()(char* p) const noexcept;
};

/// A buffer from allocate_pages.
using PageBuffer = std::unique_ptr<char[], PageRelease>;

/// A buffer of `bytes` to be written at once (a text store's block, a loader's
/// window on a file). One of 1 MiB or more is a mapping of its own (map_pages),
/// aligned to huge pages and advised for them, so that it faults in a page per
/// 2 MiB, not per 4 KiB, and is unmapped whole when freed (unmap_pages);
/// where a page fault costs microseconds (a virtual machine), the faults of a
/// million-line book's text and windows were a sixth of its load. Kept apart
/// from malloc's heap, it leaves no pieces of the heap around it. A smaller
/// buffer, and any buffer where the system has no such mappings, comes from
/// `new`. Throws std::bad_alloc when no memory is left.
BILLCHECK_SDK_API PageBuffer allocate_pages(std::size_t bytes);

/// Hands back to the system the whole small pages of [p, p + bytes), a part of
/// a mapped PageBuffer that nothing will read: the unused end of a text store's
/// last block. The pages read as zeros if written after all.
BILLCHECK_SDK_API void release_pages(void* p, std::size_t bytes) noexcept;

/// Reserves room in `v` for `more` elements after those it holds, and advises
/// that room (advise_huge_pages) before anything is written to it: a table
/// about to be filled, as the loaders fill the book's.
template <class T>
void reserve_on_huge_pages(std::vector<T>& v, std::size_t more) {
  const std::size_t first = v.size();
  v.reserve(first + more);
  advise_huge_pages(v.data() + first, (v.capacity() - first) * sizeof(T));
}

}  // namespace billcheck
