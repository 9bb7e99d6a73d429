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

struct PendingOutput::Impl {
  fs::path path;    // as the user gave it, for messages
  fs::path target;  // the file renamed over: the path, or where a link allowed by --force points
  fs::path temp;    // empty when written in place
  std::ofstream file;
  bool written = false, committed = false;
};

PendingOutput::PendingOutput(const fs::path& path, const OutputOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& o = *impl_;
  o.path = path;
  std::error_code ec;
  // /dev/stdout and its kin are links into /proc: the system's own, not a planted one.
  const std::string text = path.lexically_normal().string();
  const bool system_path = text.rfind("/dev/", 0) == 0 || text.rfind("/proc/", 0) == 0;
  if (!system_path && fs::is_symlink(path, ec) && !options.through_symlink) {
    const fs::path to = fs::read_symlink(path, ec);
    throw OutputError(path, "it is a symbolic link (to " + to.string() +
                                "); billcheck does not write through a link unless told to (--force)");
  }
  errno = 0;
  if (writes_in_place(path)) {
    // Appending: a device has nothing to truncate, and /dev/stdout reopens the
    // shell's file, which `>>` asked to be appended to.
    o.file.open(path, std::ios::binary | std::ios::app);
    if (!o.file) throw OutputError(path, reason_for(errno));
    return;
  }
  // A link (report.json -> elsewhere) allowed by --force is followed, so the
  // temporary goes beside the file itself and the link stays a link.
  o.target = fs::is_symlink(path, ec) ? fs::weakly_canonical(path, ec) : path;
  o.temp = temporary_beside(o.target);
  o.file.open(o.temp, std::ios::binary);
  if (!o.file) throw OutputError(path, reason_for(errno));
}

PendingOutput::~PendingOutput() {
  if (!impl_ || impl_->committed || impl_->temp.empty()) return;
  impl_->file.close();
  std::error_code ignored;
  fs::remove(impl_->temp, ignored);
}

void PendingOutput::write(const std::function<void(std::ostream&)>& write) {
  Impl& o = *impl_;
  try {
    write_and_close(o.file, o.path, write);
  } catch (...) {
    o.file.close();
    std::error_code ignored;
    if (!o.temp.empty()) fs::remove(o.temp, ignored);
    o.temp.clear();
    throw;
  }
  o.written = true;
}

void PendingOutput::commit() {
  Impl& o = *impl_;
  if (!o.written) throw OutputError(o.path, "nothing was written");
  if (o.temp.empty()) {
    o.committed = true;  // written in place
    return;
  }
  std::error_code ec;
  // The replaced file's permissions carry over (a report kept private stays so).
  if (const fs::file_status old = fs::status(o.target, ec); fs::exists(old))
    fs::permissions(o.temp, old.permissions(), ec);
  fs::rename(o.temp, o.target, ec);
  if (ec) {
    const std::string reason = ec.message();
    fs::remove(o.temp, ec);
    o.temp.clear();
    throw OutputError(o.path, reason);
  }
  o.committed = true;
}

void write_output(const fs::path& path, const std::function<void(std::ostream&)>& write, const OutputOptions& options) {
  PendingOutput output(path, options);
  output.write(write);
  output.commit();
}

void write_standard_output(const std::function<void(std::ostream&)>& write) {
  errno = 0;
  write(std::cout);
  std::cout.flush();
  if (!std::cout) throw OutputError("standard output", reason_for(errno));
}

}  // namespace billcheck
