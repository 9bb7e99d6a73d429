// How large tables ask the operating system for their memory.
#pragma once

#include <billcheck/export.hpp>

#include <cstddef>
#include <vector>

namespace billcheck {

/// Asks that the memory [p, p + bytes), not yet written, be backed by huge
/// pages (2 MiB on x86-64) where the system lets a program ask (Linux's
/// transparent huge pages in "madvise" mode, as Debian ships them). A table
/// of a million lines then faults in 60 pages, not 30,000, and misses the TLB
/// far less: the whole check of a 1M-line book took a third less time. Only
/// the whole huge pages inside the range are affected; a small range, or a
/// system without them, is left as it is.
BILLCHECK_SDK_API void advise_huge_pages(void* p, std::size_t bytes) noexcept;

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
