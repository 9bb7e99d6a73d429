// Reading a book's file: whole into memory (how the LEDES loader reads one,
// the JSON loader a small one, and the CSV loader a file it cannot read where
// it likes, a pipe), or a window at a time (the CSV loader, and the JSON loader
// a large file).
#pragma once

#include <billcheck/memory.hpp>

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

namespace billcheck::detail {

/// What a path of status `st` is when it is not a file to read ("a folder", "a
/// FIFO (named pipe)", "a character device", ...), or nullptr for a regular
/// file: reading a FIFO or /dev/zero would block or never end.
inline const char* special_file_kind(const std::filesystem::file_status& st) {
  namespace fs = std::filesystem;
  return fs::is_regular_file(st)      ? nullptr
         : fs::is_directory(st)       ? "a folder"
         : fs::is_fifo(st)            ? "a FIFO (named pipe)"
         : fs::is_character_file(st)  ? "a character device"
         : fs::is_block_file(st)      ? "a block device"
         : fs::is_socket(st)          ? "a socket"
                                      : "not a regular file";
}

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

/// A file's bytes: a regular file, read where asked (pread, from any thread),
/// or text in memory.
class TableBytes {
 public:
  TableBytes(const char* text, std::size_t size) : memory_(text), size_(size) {}
  TableBytes(int fd, std::size_t size) : fd_(fd), size_(size) {}

  std::size_t size() const { return size_; }

  /// Copies [at, at + n) of the table (within size()) into `into`. False, with
  /// `why`, when the file cannot be read or has become shorter meanwhile.
  bool read(std::size_t at, std::size_t n, char* into, std::string& why) const {
    if (memory_) {
      if (n > 0) std::memcpy(into, memory_ + at, n);
      return true;
    }
    for (std::size_t done = 0; done < n;) {
      const ssize_t got = ::pread(fd_, into + done, n - done, static_cast<off_t>(at + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        why = std::strerror(errno);
        return false;
      }
      if (got == 0) {
        why = "the file became shorter while it was read; read it again once nothing is writing it";
        return false;
      }
      done += static_cast<std::size_t>(got);
    }
    return true;
  }

 private:
  const char* memory_ = nullptr;
  int fd_ = -1;
  std::size_t size_ = 0;
};

/// Room for the records of a file of `total` bytes whose first `span` bytes
/// hold `lines` lines (a record a line at most): the file's lines at that
/// density, and a twentieth more. Only address space where it is too much (the
/// loaders reserve it, and touch what they fill); the vector grows where a file's
/// later lines are shorter.
inline std::size_t lines_at_density(std::size_t lines, std::size_t span, std::size_t total) {
  const auto at_density =
      static_cast<std::size_t>(static_cast<unsigned __int128>(lines) * total / std::max<std::size_t>(1, span));
  return at_density + at_density / 20 + 16;
}

/// [offset, offset + size) of a file, copied into a buffer of the window's own
/// (a reader may write in it: the CSV reader unescapes quoted cells), with
/// `padding` bytes of room after it (simdjson reads past the end).
struct Window {
  PageBuffer buffer;
  std::size_t capacity = 0;
  std::size_t padding = 0;
  std::size_t offset = 0, size = 0;
  bool whole_rest = false;  // reaches the file's end

  bool load(const TableBytes& bytes, std::size_t at, std::size_t want, std::string& why) {
    want = std::min(want, bytes.size() - at);
    if (want > capacity || !buffer) {
      buffer = allocate_pages(want + padding);
      capacity = want;
    }
    offset = at;
    size = want;
    whole_rest = at + want == bytes.size();
    return bytes.read(at, want, buffer.get(), why);
  }
  char* begin() const { return buffer.get(); }
  char* end() const { return buffer.get() + size; }
  std::size_t offset_of(const char* p) const { return offset + static_cast<std::size_t>(p - begin()); }
  /// Where the rows a reader may read from this window end: after its last line
  /// end (a row cut by the window is read from the next one), or its end when it
  /// reaches the table's. nullptr when it holds no line end.
  char* rows_end() const {
    if (whole_rest) return end();
    void* lf = size ? ::memrchr(begin(), '\n', size) : nullptr;
    return lf ? static_cast<char*>(lf) + 1 : nullptr;
  }
};

}  // namespace billcheck::detail
