// libFuzzer: the LEDES 1998B reader, then indexing what it read.
#include <billcheck/load.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    billcheck::Book book(billcheck::read_ledes_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.ledes"));
  } catch (const billcheck::BookError&) {
  }
  return 0;
}
