// libFuzzer: a rule pack's pack.yaml, with its expressions parsed and
// compiled as the engine does when it loads a pack.
#include "scratch.hpp"

#include "packs/pack_loader.hpp"

#include <cstddef>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path& dir = billcheck::fuzz::scratch_dir();
  billcheck::fuzz::write_scratch(dir / "pack.yaml", std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    billcheck::detail::load_pack(dir);
  } catch (const billcheck::Error&) {
  }
  return 0;
}
