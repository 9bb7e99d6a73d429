#include <billcheck/output.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>

namespace billcheck {
namespace fs = std::filesystem;

namespace {

// errno after a failed stream operation, or a plain reason when the stream did not set one.
std::string reason_for(int err) { return err ? std::strerror(err) : "write failed"; }

// Devices, pipes and /dev/stdout (even when the shell points it at a file) are
// written as they are: they cannot be renamed into, and replacing the file
// behind a descriptor the shell holds would lose what it appends.
bool writes_in_place(const fs::path& path) {
  const std::string text = path.lexically_normal().string();
  if (text.rfind("/dev/", 0) == 0 || text.rfind("/proc/", 0) == 0) return true;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  return !ec && fs::exists(st) && !fs::is_regular_file(st);
}

fs::path temporary_beside(const fs::path& path) {
  std::random_device rd;
  const fs::path name = "." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                        std::to_string(rd() & 0xffffff);
  return path.has_parent_path() ? path.parent_path() / name : name;
}

void write_and_close(std::ofstream& file, const fs::path& shown, const std::function<void(std::ostream&)>& write) {
  errno = 0;
  write(file);
  file.flush();
  if (!file) throw OutputError(shown, reason_for(errno));
  file.close();
  if (!file) throw OutputError(shown, reason_for(errno));
}

}  // namespace

void write_output(const fs::path& path, const std::function<void(std::ostream&)>& write, const OutputOptions& options) {
  std::error_code ec;
  // /dev/stdout and its kin are links into /proc: the system's own, not a planted one.
  const std::string text = path.lexically_normal().string();
  const bool system_path = text.rfind("/dev/", 0) == 0 || text.rfind("/proc/", 0) == 0;
  if (!system_path && fs::is_symlink(path, ec) && !options.through_symlink) {
    const fs::path to = fs::read_symlink(path, ec);
    throw OutputError(path, "it is a symbolic link (to " + to.string() +
                                "); billcheck does not write through a link unless told to (--force)");
  }
  if (writes_in_place(path)) {
    errno = 0;
    // Appending: a device has nothing to truncate, and /dev/stdout reopens the
    // shell's file, which `>>` asked to be appended to.
    std::ofstream file(path, std::ios::binary | std::ios::app);
    if (!file) throw OutputError(path, reason_for(errno));
    write_and_close(file, path, write);
    return;
  }
  // A link (report.json -> elsewhere) allowed by --force is followed, so the
  // temporary goes beside the file itself and the link stays a link.
  const fs::path target = fs::is_symlink(path, ec) ? fs::weakly_canonical(path, ec) : path;
  const fs::path temp = temporary_beside(target);
  errno = 0;
  std::ofstream file(temp, std::ios::binary);
  if (!file) throw OutputError(path, reason_for(errno));
  try {
    write_and_close(file, path, write);
    // The replaced file's permissions carry over (a report kept private stays so).
    if (const fs::file_status old = fs::status(target, ec); fs::exists(old))
      fs::permissions(temp, old.permissions(), ec);
    fs::rename(temp, target, ec);
    if (ec) throw OutputError(path, ec.message());
  } catch (...) {
    file.close();
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
}

void write_standard_output(const std::function<void(std::ostream&)>& write) {
  errno = 0;
  write(std::cout);
  std::cout.flush();
  if (!std::cout) throw OutputError("standard output", reason_for(errno));
}

}  // namespace billcheck
