// Reading a large JSON book file a window at a time (read_json_file's way for
// a file larger than two windows), with the window's size a parameter for the tests.
#pragma once

#include <billcheck/load.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>

namespace billcheck {

/// How much of a large JSON book file the reader holds at once: about a core's
/// L2 cache, since simdjson goes over a window twice (its index of the
/// structure, then the values). 8 MB windows made a 1M-line book's load 13%
/// slower (user and system CPU, 8 paired runs).
inline constexpr std::size_t kJsonWindowBytes = std::size_t{1} << 20;

namespace detail {

/// The book in `file`, read a window of about `window` bytes at a time. Nothing
/// when it does not read that way: a problem in the book (the whole-file reader
/// then reports it, as it words it), a key it does not know, an escaped key,
/// null for an entity, a record larger than 256 MB, or a file it cannot read.
std::optional<BookData> read_json_in_windows(const std::filesystem::path& file, std::size_t window);

}  // namespace detail
}  // namespace billcheck
