// libFuzzer: the LEDES 1998B reader, then indexing what it read. The input is
// also written to a file and read a window at a time (the way of a large
// file), with windows small enough to cut it in many places: it must give what
// reading the text whole gives, record for record and problem for problem.
#include "scratch.hpp"

#include <billcheck/load.hpp>

#include "load/ledes_file.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::filesystem::path file = billcheck::fuzz::scratch_dir() / "fuzz.ledes";
  const std::string whole = billcheck::fuzz::outcome([&] { return billcheck::read_ledes_text(text, file.string()); });
  billcheck::fuzz::write_scratch(file, text);
  for (std::size_t window : {16, 64, 1024})
    if (billcheck::fuzz::outcome([&] { return billcheck::detail::read_ledes_file(file, window); }) != whole)
      __builtin_trap();
  return 0;
}
