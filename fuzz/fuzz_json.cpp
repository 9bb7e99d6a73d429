// libFuzzer: the JSON book reader, then indexing what it read.
#include <billcheck/load.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    billcheck::Book book(billcheck::read_json_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json"));
  } catch (const billcheck::BookError&) {
    // A located error is the right answer to a bad book.
  }
  return 0;
}
