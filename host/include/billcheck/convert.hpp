// Writing a book back out in the contract's forms: LEDES 1998B for the
// invoices and their lines, JSON or a CSV directory for everything. Every
// figure is written from its exact decimal, so reading the output back gives
// the same amounts, rates, quantities and totals.
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/load.hpp>
#include <billcheck/output.hpp>

#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace billcheck {

/// Writes the book's invoices, one record per line, as LEDES 1998B. Returns a
/// note for each thing the format cannot carry (an invoice without lines, a
/// currency, a discount or tax written as an extra `IF` line, a void status).
std::vector<std::string> write_ledes(std::ostream& out, const Book& book);

/// Writes the whole book as one JSON object of entity arrays (book-format.md):
/// figures as JSON numbers written from their exact text, extras as strings.
void write_book_json(std::ostream& out, const Book& book);

/// Writes one CSV file per entity the book has (invoices.csv and
/// invoice_lines.csv always) into `dir`, which must exist.
void write_book_csv(const std::filesystem::path& dir, const Book& book);

/// The forms a whole book is written in.
enum class BookForm { csv, json, ledes };

/// The form of a book at `path` as load_book reads it: a folder is CSV, a
/// `.json` file JSON, anything else LEDES.
BookForm book_form_of(const std::filesystem::path& path);

/// Writes the book to `out` in `form`, whole or not at all: a CSV folder is
/// written into a temporary folder beside `out` and renamed into place. `out`
/// must not exist (or be an empty folder) unless `replace`; throws
/// std::runtime_error saying so, OutputError when the write fails. Returns the
/// LEDES writer's notes. `also` are files (name -> bytes) written into a CSV
/// folder with the book, in the same step (billcheck fix: the config).
/// `replace` also writes through an `out` that is a symbolic link.
std::vector<std::string> write_book(const Book& book, const std::filesystem::path& out, BookForm form, bool replace,
                                    const std::map<std::string, std::string>& also = {});

/// `billcheck convert IN OUT`: reads IN as load_book does and writes it as
/// LEDES 1998B (OUT ending `.ledes` or `.txt`), JSON (`.json`) or a CSV
/// directory (any other OUT, which must not exist or be empty). Throws BookError
/// when IN does not load, std::runtime_error when OUT cannot be written; returns
/// the writer's notes.
std::vector<std::string> convert_book(const std::filesystem::path& in, const std::filesystem::path& out,
                                      const LoadOptions& options = {}, const OutputOptions& output = {});

}  // namespace billcheck
