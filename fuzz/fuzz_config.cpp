// libFuzzer: billcheck.yaml, read as the engine reads it.
#include <billcheck/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    billcheck::Config config =
        billcheck::parse_config(std::string(reinterpret_cast<const char*>(data), size), "/nonexistent/billcheck.yaml");
  } catch (const billcheck::ConfigError&) {
  }
  return 0;
}
