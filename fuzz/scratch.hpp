// A private folder in memory (/dev/shm) for the harnesses whose reader takes
// a path: each input is written there, then read back by the real loader. And
// what a reader of a book sees, to compare two ways of reading one.
#pragma once

#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>

#include "schema/columns.hpp"

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace billcheck::fuzz {

inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    auto d = base / ("billcheck-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline void write_scratch(const std::filesystem::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// What a reader of the book sees: every record's source line, and the book
/// as JSON (or why the records do not make a book).
inline std::string seen(BookData data) {
  std::ostringstream out;
  fields::for_each_entity([&](const auto& entity) {
    for (const auto& record : data.*entity.records) out << record.source.line << ' ';
    out << '\n';
  });
  try {
    write_book_json(out, Book(std::move(data)));
  } catch (const BookError& e) {
    for (const auto& message : e.messages()) out << message << '\n';
  }
  return out.str();
}

/// seen() of what `read` gives, or the problems it throws.
template <class Read>
std::string outcome(Read read) {
  try {
    return seen(read());
  } catch (const BookError& e) {
    std::string out = "refused\n";
    for (const auto& message : e.messages()) out += message + '\n';
    return out;
  }
}

}  // namespace billcheck::fuzz
