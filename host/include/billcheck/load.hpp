// Reading a book from the forms the contract names: a CSV directory, a JSON
// file (or JSON text), and LEDES 1998B files.
#pragma once

#include <billcheck/book.hpp>

#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

namespace billcheck {

/// Reads a book from `path`: a directory of CSV files, a `.json` file, or `-`
/// for JSON on standard input. Throws BookError listing every problem found,
/// each as `file:line: column 'name': what is wrong`.
Book load_book(const std::filesystem::path& path);

/// The loaders behind load_book, each filling a BookData (file names as given).
BookData read_csv_directory(const std::filesystem::path& dir);
BookData read_json_file(const std::filesystem::path& file);
/// JSON text already in memory; `name` is used in error messages.
BookData read_json_text(std::string_view text, const std::string& name);

}  // namespace billcheck
