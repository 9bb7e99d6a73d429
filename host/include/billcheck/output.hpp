// Writing an output file (a report, a converted book, a rule page) so that a
// run that fails never leaves a truncated file, and a full disk is an error.
#pragma once

#include <billcheck/error.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace billcheck {

/// A write that failed: what() is `cannot write PATH: REASON`.
class OutputError : public Error {
 public:
  OutputError(const std::filesystem::path& path, const std::string& reason)
      : Error("cannot write " + path.string() + ": " + reason), path_(path) {}
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// How an output may be written.
struct OutputOptions {
  /// Write through `path` when it is a symbolic link (to the file it points
  /// at); refused otherwise (--force), so a link planted where a report goes
  /// cannot steer the write onto another file.
  bool through_symlink = false;
};

/// Writes `path` with `write`. A regular file (or a new one) is written to a
/// temporary file in the same folder and renamed over `path` only once every
/// byte is written and flushed, so when `write` throws or the disk is full the
/// old file is untouched. Anything else (a path under /dev or /proc such as
/// /dev/stdout or /dev/full, a pipe) is written in place, appending. Throws OutputError when a write, the flush or the rename
/// fails; exceptions from `write` pass through after the temporary is removed.
void write_output(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write,
                  const OutputOptions& options = {});

/// A file being written the way write_output writes it, in two steps, so that
/// a caller can make the output's fate and another change's one: write() puts
/// every byte in the temporary (a device or pipe is written in place), and
/// only commit() renames it over the path. The constructor makes the
/// temporary, so a folder that does not exist or cannot be written fails
/// before anything else is done; a PendingOutput destroyed uncommitted
/// removes its temporary and leaves the old file as it was.
class PendingOutput {
 public:
  /// Throws OutputError when the output cannot be opened.
  explicit PendingOutput(const std::filesystem::path& path, const OutputOptions& options = {});
  ~PendingOutput();
  PendingOutput(const PendingOutput&) = delete;
  PendingOutput& operator=(const PendingOutput&) = delete;

  /// Writes, flushes and closes; throws OutputError (the temporary is removed).
  void write(const std::function<void(std::ostream&)>& write);
  /// Renames the written temporary over the path; throws OutputError.
  void commit();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Standard output through `write`, flushed and checked: throws OutputError
/// ("cannot write standard output: ...") when the output could not be written.
void write_standard_output(const std::function<void(std::ostream&)>& write);

}  // namespace billcheck
