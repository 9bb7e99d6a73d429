#include "load/file.hpp"

#include <billcheck/memory.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace billcheck::detail {
namespace {

constexpr std::size_t kBytesReadInHalves = std::size_t{16} << 20;

/// Reads up to `n` bytes of `fd` at `offset` (or from where it is, when it
/// cannot seek) into `into`; false on a read error (errno set). Stops early at
/// the end of the file; `n` becomes what was read.
bool read_at(int fd, bool seekable, char* into, std::size_t& n, std::size_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t got = seekable ? ::pread(fd, into + done, n - done, static_cast<off_t>(offset + done))
                                 : ::read(fd, into + done, n - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return false;
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  n = done;
  return true;
}

}  // namespace

bool read_whole_file(const std::filesystem::path& path, FileBytes& out, std::string& why, std::size_t padding) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    why = std::strerror(errno);
    return false;
  }
  struct stat st {};
  const bool seekable = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  const std::size_t expected = seekable ? static_cast<std::size_t>(st.st_size) : 0;
  out.capacity = expected + 1;
  out.data = allocate_pages(out.capacity + padding);  // a book's file: hundreds of MB, read once
  out.size = 0;
  bool failed = false;
  if (expected >= kBytesReadInHalves) {
    std::size_t half = expected / 2, rest = expected - half;
    bool second_ok = true;
    {
      std::jthread second([&] { second_ok = read_at(fd, true, out.data.get() + half, rest, half); });
      failed = !read_at(fd, true, out.data.get(), half, 0);
    }
    failed = failed || !second_ok;
    // A file that shrank meanwhile is read again from where its first half stopped.
    out.size = half == expected / 2 ? half + rest : half;
  }
  while (!failed) {
    if (out.size == out.capacity) {
      PageBuffer grown = allocate_pages(out.capacity * 2 + padding);
      std::memcpy(grown.get(), out.data.get(), out.size);
      out.data = std::move(grown);
      out.capacity *= 2;
    }
    std::size_t n = out.capacity - out.size;
    failed = !read_at(fd, seekable, out.data.get() + out.size, n, out.size);
    out.size += n;
    if (n == 0) break;
  }
  const int read_errno = errno;
  ::close(fd);
  if (failed) {
    why = std::strerror(read_errno);
    return false;
  }
  return true;
}

}  // namespace billcheck::detail
