// Reading a book's file whole into memory: how the JSON and LEDES loaders read
// one, and the CSV loader a file it cannot read where it likes (a pipe).
#pragma once

#include <billcheck/memory.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

namespace billcheck::detail {

/// A whole file in memory, writable (the CSV reader unescapes quoted cells in
/// place), with room for `padding` more bytes after `capacity` (simdjson reads
/// past the end).
struct FileBytes {
  PageBuffer data;
  std::size_t size = 0;
  std::size_t capacity = 0;  // at least size + 1: an empty file still has a valid pointer
};

/// Reads `path` whole into `out`, leaving `padding` bytes of room after its
/// capacity. A regular file of 16 MB or more is read by two threads, each into
/// its half (the copy into fresh memory, and its page faults, are most of the
/// time). A file that grows or shrinks while it is read is read to its end.
/// On failure returns false and sets `why` (from errno).
bool read_whole_file(const std::filesystem::path& path, FileBytes& out, std::string& why, std::size_t padding = 0);

}  // namespace billcheck::detail
