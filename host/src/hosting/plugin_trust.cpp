#include "hosting/plugin_trust.hpp"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
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

// A plugin is a few megabytes; a bigger file is not read whole to look at it.
constexpr std::uintmax_t kMaxPluginBytes = std::uintmax_t{1} << 30;

// A view of the file's bytes that refuses any read past its end: the file is
// not trusted yet, so every offset in it is checked before it is followed.
class Bytes {
 public:
  explicit Bytes(std::vector<char> data) : data_(std::move(data)) {}
  template <class T>
  std::optional<T> at(std::uint64_t offset) const {
    if (offset > data_.size() || data_.size() - offset < sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, data_.data() + offset, sizeof(T));
    return value;
  }
  bool contains(std::uint64_t offset, std::uint64_t size) const {
    return offset <= data_.size() && data_.size() - offset >= size;
  }
  const char* data() const { return data_.data(); }

 private:
  std::vector<char> data_;
};

}  // namespace

std::string trust_problem(const fs::path& path) {
  std::error_code ec;
  const fs::path target = fs::canonical(path, ec);
  if (ec) return "cannot be resolved: " + ec.message();
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) return "cannot be examined: " + std::string(std::strerror(errno));
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
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return "cannot be read: " + ec.message();
  if (size > kMaxPluginBytes) return "is not a billcheck plugin: it is larger than 1 GiB";
  std::ifstream in(file, std::ios::binary);
  std::vector<char> data(static_cast<std::size_t>(size));
  if (!in || !in.read(data.data(), static_cast<std::streamsize>(data.size())))
    return "cannot be read: " + std::string(std::strerror(errno));
  const Bytes bytes(std::move(data));

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
    if (!names || !bytes.contains(symbols->sh_offset, symbols->sh_size) ||
        !bytes.contains(names->sh_offset, names->sh_size))
      return not_library;
    for (std::uint64_t s = 0; s + sizeof(Elf64_Sym) <= symbols->sh_size; s += sizeof(Elf64_Sym)) {
      const auto sym = bytes.at<Elf64_Sym>(symbols->sh_offset + s);
      if (!sym || sym->st_shndx == SHN_UNDEF || sym->st_name >= names->sh_size) continue;
      const char* name = bytes.data() + names->sh_offset + sym->st_name;
      const std::size_t room = names->sh_size - sym->st_name;
      if (std::string_view(name, strnlen(name, room)) == symbol) return {};
    }
  }
  return "is not a billcheck plugin: it has no " + std::string(symbol) + " (declare one with BILLCHECK_PLUGIN)";
}

}  // namespace billcheck::detail
