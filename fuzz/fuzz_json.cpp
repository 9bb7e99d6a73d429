// libFuzzer: the JSON book reader, then indexing what it read. The input is
// also written to a file and read a window at a time (the way of a large
// file), with windows small enough to cut it in many places: where that
// reads, it must give what reading the text whole gives, record for record.
#include "scratch.hpp"

#include <billcheck/load.hpp>

#include "load/json.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::filesystem::path file = billcheck::fuzz::scratch_dir() / "book.json";
  std::string whole;
  bool read = false;
  try {
    billcheck::BookData book = billcheck::read_json_text(text, file.string());
    read = true;
    whole = billcheck::fuzz::seen(std::move(book));
  } catch (const billcheck::BookError&) {
    // A located error is the right answer to a bad book.
  }
  billcheck::fuzz::write_scratch(file, text);
  for (std::size_t window : {16, 64, 1024}) {
    std::optional<billcheck::BookData> windows = billcheck::detail::read_json_in_windows(file, window);
    if (windows && (!read || billcheck::fuzz::seen(std::move(*windows)) != whole)) __builtin_trap();
  }
  return 0;
}
