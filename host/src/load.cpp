// Picking the loader for a book path and building the indexed Book.
#include <billcheck/load.hpp>

#include <cctype>
#include <iostream>
#include <iterator>
#include <system_error>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

bool has_json_extension(const fs::path& path) {
  std::string ext = path.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext == ".json";
}

BookData read_standard_input() {
  std::string text(std::istreambuf_iterator<char>(std::cin), {});
  return read_json_text(text, "<stdin>");
}

BookData read_any(const fs::path& path) {
  if (path == "-") return read_standard_input();
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) throw BookError({path.string() + ": no such file or directory"});
  if (fs::is_directory(status)) return read_csv_directory(path);
  if (has_json_extension(path)) return read_json_file(path);
  throw BookError({path.string() +
                   ": not a book billcheck can read; give a directory of CSV files (invoices.csv, "
                   "invoice_lines.csv, ...), a .json file, or - to read JSON from standard input"});
}

}  // namespace

Book load_book(const std::filesystem::path& path) { return Book(read_any(path)); }

}  // namespace billcheck
