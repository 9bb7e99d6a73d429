#include "hosting/plugin_trust.hpp"

#include "load/file.hpp"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace billcheck::detail {
namespace fs = std::filesystem;

namespace {

std::string octal_mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// A bigger file is not taken for a plugin.
constexpr std::uintmax_t kMaxPluginBytes = std::uintmax_t{1} << 30;

// The file's bytes, read where they are looked at: a plugin built with debug
// information is megabytes, its dynamic symbols a few kilobytes. Every read
// past the end is refused: the file is not trusted yet, so every offset in it
// is checked before it is followed.
class PluginBytes {
 public:
  explicit PluginBytes(const fs::path& file) : fd_(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)) {
    struct stat st {};
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
  }
  ~PluginBytes() {
    if (fd_ >= 0) ::close(fd_);
  }
  PluginBytes(const PluginBytes&) = delete;
  PluginBytes& operator=(const PluginBytes&) = delete;

  bool is_open() const { return fd_ >= 0; }
  std::uint64_t size() const { return size_; }

  template <class T>
  std::optional<T> at(std::uint64_t offset) const {
    T value;
    if (!read(offset, &value, sizeof value)) return std::nullopt;
    return value;
  }
  std::optional<std::vector<char>> range(std::uint64_t offset, std::uint64_t size) const {
    if (!contains(offset, size)) return std::nullopt;
    std::vector<char> out(static_cast<std::size_t>(size));
    if (!read(offset, out.data(), out.size())) return std::nullopt;
    return out;
  }
  bool contains(std::uint64_t offset, std::uint64_t size) const {
    return offset <= size_ && size_ - offset >= size;
  }

 private:
  bool read(std::uint64_t offset, void* into, std::size_t n) const {
    if (!contains(offset, n)) return false;
    auto* at = static_cast<char*>(into);
    while (n > 0) {
      const ssize_t got = ::pread(fd_, at, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      at += got;
      offset += static_cast<std::uint64_t>(got);
      n -= static_cast<std::size_t>(got);
    }
    return true;
  }

  int fd_;
  std::uint64_t size_ = 0;
};

}  // namespace

std::string trust_problem(const fs::path& path) {
  std::error_code ec;
  const fs::path target = fs::canonical(path, ec);
  if (ec) return "cannot be resolved: " + ec.message();
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) return "cannot be examined: " + std::string(std::strerror(errno));
  // Nothing is read from a FIFO or a device (a read would wait for ever, or
  // without end). (A search folder is judged here too: a folder passes.)
  if (const char* kind = detail::special_file_kind(fs::status(target, ec)); kind && !S_ISDIR(st.st_mode))
    return std::string("is refused: it is ") + kind + ", not a shared library file";
  const std::string shown = target == fs::absolute(path).lexically_normal() ? std::string("it")
                                                                             : "its target " + target.string();
  if (st.st_mode & S_IWOTH)
    return "is refused: " + shown + " is world-writable (mode " + octal_mode(st.st_mode) +
           "), so anyone could replace the code billcheck runs; run `chmod o-w " + target.string() + "`";
  if (st.st_uid != 0 && st.st_uid != ::geteuid())
    return "is refused: " + shown + " is owned by user " + std::to_string(st.st_uid) +
           ", neither root nor the user running billcheck (" + std::to_string(::geteuid()) +
           "); only code its owner or root controls is loaded";
  return {};
}

std::string missing_export(const fs::path& file, std::string_view symbol) {
  const PluginBytes bytes(file);
  if (!bytes.is_open()) return "cannot be read: " + std::string(std::strerror(errno));
  if (bytes.size() > kMaxPluginBytes) return "is not a billcheck plugin: it is larger than 1 GiB";

  const auto header = bytes.at<Elf64_Ehdr>(0);
  const std::string not_library = "cannot be loaded as a shared library: it is not a 64-bit ELF shared object";
  if (!header || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0 || header->e_ident[EI_CLASS] != ELFCLASS64 ||
      header->e_type != ET_DYN || header->e_shentsize != sizeof(Elf64_Shdr))
    return not_library;
  auto section = [&](std::uint64_t index) {
    return index < header->e_shnum ? bytes.at<Elf64_Shdr>(header->e_shoff + index * sizeof(Elf64_Shdr))
                                   : std::nullopt;
  };
  for (std::uint64_t i = 0; i < header->e_shnum; ++i) {
    const auto symbols = section(i);
    if (!symbols) return not_library;
    if (symbols->sh_type != SHT_DYNSYM) continue;
    const auto names = section(symbols->sh_link);
    if (!names) return not_library;
    const auto table = bytes.range(symbols->sh_offset, symbols->sh_size);
    const auto text = bytes.range(names->sh_offset, names->sh_size);
    if (!table || !text) return not_library;
    for (std::uint64_t s = 0; s + sizeof(Elf64_Sym) <= symbols->sh_size; s += sizeof(Elf64_Sym)) {
      Elf64_Sym sym;
      std::memcpy(&sym, table->data() + s, sizeof sym);
      if (sym.st_shndx == SHN_UNDEF || sym.st_name >= names->sh_size) continue;
      const char* name = text->data() + sym.st_name;
      const std::size_t room = names->sh_size - sym.st_name;
      if (std::string_view(name, strnlen(name, room)) == symbol) return {};
    }
  }
  return "is not a billcheck plugin: it has no " + std::string(symbol) + " (declare one with BILLCHECK_PLUGIN)";
}

}  // namespace billcheck::detail
