// The program's operator new: large blocks on huge pages.
//
// Replacing the global allocation functions (which C++ allows a program to do)
// reaches memory that billcheck's own code does not allocate: simdjson's
// index of a JSON book (four bytes per byte of a 300 MB file, reserved, and
// written up to a few hundred MB), the text store's table, and the rules' own
// tables. Where a fault of a small page costs microseconds (a virtual
// machine), faulting those in 4 KiB at a time was a third of a JSON load. Only
// `billcheck` itself does this: a program hosting the engine (the C API,
// Python) keeps its own allocator.
#include "allocation.hpp"

#include <billcheck/memory.hpp>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

using billcheck::cli::BlockTable;
constexpr std::size_t kHuge = billcheck::cli::kBlockAlign;

/// Blocks from this size up are mapped apart, starting on a huge page, and
/// the whole huge pages inside them advised: malloc maps a block of this size
/// on its own too, but anywhere, so that a 2-4 MB block (a text store's table,
/// a per-line index) often held no whole huge page and was faulted in 4 KiB at
/// a time. The part after the last whole huge page stays in small pages, so
/// that no memory is added. (A 1M-line check: 12,800 -> 9,800 small page
/// faults, peak 237 -> 236 MB.)
constexpr std::size_t kMapFrom = kHuge;

BlockTable& blocks() {
  // Never destroyed: operator delete may run while the program exits.
  static BlockTable* table = new (std::malloc(sizeof(BlockTable))) BlockTable();
  return *table;
}

/// A block of `n` bytes mapped on its own, starting on a huge page
/// (billcheck::map_pages: where the program has freed such a block since, its
/// memory again); nullptr when it cannot be (no address space, or the table is
/// full: malloc serves then).
void* map_block(std::size_t n) noexcept {
  const billcheck::PageSpan span = billcheck::map_pages(n);
  if (!span.at) return nullptr;
  if (!blocks().add(reinterpret_cast<std::uintptr_t>(span.at), span.bytes)) {
    billcheck::unmap_pages(span);
    return nullptr;
  }
  return span.at;
}

void* allocate(std::size_t n) noexcept {
  if (n >= kMapFrom && n <= SIZE_MAX - 2 * kHuge)
    if (void* p = map_block(n)) return p;
  return std::malloc(n == 0 ? 1 : n);
}

void release(void* p) noexcept {
  if (const auto at = reinterpret_cast<std::uintptr_t>(p); at != 0 && at % kHuge == 0)
    if (const std::size_t bytes = blocks().remove(at); bytes > 0) {
      billcheck::unmap_pages({static_cast<char*>(p), bytes});
      return;
    }
  std::free(p);
}

void* allocate_or_throw(std::size_t n) {
  for (;;) {
    if (void* p = allocate(n)) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

void* operator new(std::size_t n) { return allocate_or_throw(n); }
void* operator new[](std::size_t n) { return allocate_or_throw(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocate(n); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
