// Reading a LEDES file, with the window's size a parameter (for the tests).
#pragma once

#include <billcheck/load.hpp>

#include <cstddef>
#include <filesystem>

namespace billcheck::detail {

/// read_ledes_file, reading a file larger than two windows of `window` bytes a
/// window at a time (what it gives, or the errors it throws, the same either way).
BookData read_ledes_file(const std::filesystem::path& file, std::size_t window);

}  // namespace billcheck::detail
