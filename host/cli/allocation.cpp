// The program's operator new: large blocks asked for on huge pages.
//
// Replacing the global allocation functions (which C++ allows a program to do)
// reaches memory that billcheck's own code does not allocate: simdjson's
// index of a JSON book (four bytes per byte of a 300 MB file, reserved, and
// written up to a few hundred MB), and the rules' own tables. Where a fault of
// a small page costs microseconds (a virtual machine), faulting those in 4 KiB
// at a time was a third of a JSON load. Only `billcheck` itself does this: a
// program hosting the engine (the C API, Python) keeps its own allocator.
#include <billcheck/memory.hpp>

#include <cstdlib>
#include <new>

namespace {

/// Blocks from this size up are advised: a smaller one cannot hold a whole
/// huge page, and only whole huge pages inside a block are affected (so no
/// memory is added). At 2 MB rather than 4, the Book's and the rules' tables of
/// a 1M-line book (a 4-byte or 8-byte entry per line or invoice) are included:
/// 11,800 -> 10,700 small page faults, the same peak.
constexpr std::size_t kAdviseFrom = std::size_t{2} << 20;

void* allocate(std::size_t n) noexcept {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p && n >= kAdviseFrom) billcheck::advise_huge_pages(p, n);
  return p;
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
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
