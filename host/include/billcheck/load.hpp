// Reading a book from the forms the contract names: a CSV directory, a JSON
// file (or JSON text), and LEDES 1998B files.
#pragma once

#include <billcheck/book.hpp>

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

namespace billcheck {

/// Reads a book from `path`: a directory of CSV files, a `.json` file, a LEDES
/// 1998B file (any file whose first line is `LEDES1998B[]`), or `-` for JSON or
/// LEDES on standard input. Throws BookError listing every problem found, each
/// as `file:line: column 'name': what is wrong` (`field 'NAME'` for LEDES).
Book load_book(const std::filesystem::path& path);

/// What a book is read with beyond its path: `billcheck check --with --currency`.
struct LoadOptions {
  /// A CSV directory whose clients, engagements, rates, timekeepers and time
  /// entries are added where the book's invoices name them (by client id and
  /// engagement id; a LEDES file's CLIENT_ID and LAW_FIRM_MATTER_ID), with the
  /// payments and credit notes of the book's invoices (and those on account of
  /// their clients). Records
  /// the book already has win, except timekeepers: the directory's replace a
  /// LEDES file's. Empty = none.
  std::filesystem::path reference;
  /// LEDES 1998B carries no currency: a LEDES invoice takes its client's
  /// currency when the reference directory has the client, else this one.
  std::string ledes_currency = "USD";
  /// A book file (or a CSV file of a book folder, or of `reference`) larger
  /// than this is refused before it is read. Anything that is not a regular
  /// file (a FIFO, a device such as /dev/zero, a socket) is always refused.
  std::uintmax_t max_file_bytes = std::uintmax_t{4} << 30;
  /// Threads reading one large CSV file (0: one per core). The records, and
  /// every error, are the same whatever the number.
  unsigned jobs = 0;
};

Book load_book(const std::filesystem::path& path, const LoadOptions& options);
/// load_book's records before indexing, for tools that rewrite a book.
BookData read_book(const std::filesystem::path& path, const LoadOptions& options = {});
/// A book already in memory (standard input, an HTTP request's body): a LEDES
/// 1998B file's text when it starts with `LEDES1998B[]`, else JSON. `name`
/// stands for the file in locations and errors; nothing is opened but
/// `options.reference`. Throws BookError as load_book does.
BookData read_book_text(std::string_view text, const std::string& name, const LoadOptions& options = {});

/// The loaders behind load_book, each filling a BookData (file names as given).
BookData read_csv_directory(const std::filesystem::path& dir, unsigned jobs = 0);
/// A CSV directory read for its reference records: like read_csv_directory,
/// but invoices.csv and invoice_lines.csv are optional.
BookData read_csv_reference(const std::filesystem::path& dir);
BookData read_json_file(const std::filesystem::path& file);
/// JSON text already in memory; `name` is used in error messages.
BookData read_json_text(std::string_view text, const std::string& name);
/// A LEDES 1998B file; errors read `file:line: field 'LINE_ITEM_DATE': ...`.
/// Every invoice's currency is USD (the format has none; see LoadOptions).
BookData read_ledes_file(const std::filesystem::path& file);
BookData read_ledes_text(std::string_view text, const std::string& name);

}  // namespace billcheck
