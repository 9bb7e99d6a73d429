// A book in parts: the reference tables at the top and one part per client
// group, so that a book too big for one machine is checked part by part on a
// cluster (billcheck.distributed, docs/distributed.md) with the report
// `billcheck check` gives for the whole.
//
//   BOOK/clients.csv timekeepers.csv engagements.csv rates.csv   the reference tables (any of them)
//   BOOK/<part>/invoices.csv invoice_lines.csv [payments.csv credit_notes.csv time_entries.csv]
//   BOOK/<part>.json                                             a part as a JSON book
//
// A part holds whole clients: their invoices with their lines, their payments
// and credit notes, and the time entries of their engagements.
#pragma once

#include <billcheck/book.hpp>

#include <filesystem>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck {

/// Where the reference tables and the parts of a book are.
struct PartLayout {
  std::filesystem::path root;                 // the reference tables' folder
  std::vector<std::filesystem::path> parts;   // CSV folders or .json books, sorted
  bool single = false;                        // root is one CSV book: its own one part
};

/// The layout of `path`: a folder of parts (CSV folders and .json books beside
/// the reference tables), a glob of parts (`BOOK/part-*`, the reference tables
/// in the folder the glob is in), or a plain CSV book folder (one part, itself).
/// nullopt for anything else (a single .json or LEDES file).
std::optional<PartLayout> find_parts(const std::filesystem::path& path);

/// Whether load_book reads `path` as a book in parts (not a single book).
bool is_book_in_parts(const std::filesystem::path& path);

/// The reference tables (clients, timekeepers, engagements, rates) of the layout.
/// Throws BookError listing every problem.
BookData read_reference(const PartLayout& layout);
/// The records of one part, without the reference tables. Throws BookError
/// listing every problem, including a part that holds reference tables (they
/// belong at the top, where every part sees them).
BookData read_part(const PartLayout& layout, const std::filesystem::path& part);

/// Moves every record of `from` to the end of `into`, its source kept.
void append_records(BookData& into, BookData from);
/// Copies every record of `from` to the end of `into`, its source kept: the
/// reference tables, read once per process, into each part's book.
void append_copies(BookData& into, const BookData& from);

/// Records of a Book, chosen to move to another process (a shuffle).
struct BookSlice {
  std::vector<const Client*> clients;
  std::vector<const Timekeeper*> timekeepers;
  std::vector<const Engagement*> engagements;
  std::vector<const Rate*> rates;
  std::vector<const TimeEntry*> time_entries;
  std::vector<const Invoice*> invoices;
  std::vector<const InvoiceLine*> lines;
  std::vector<const Payment*> payments;
  std::vector<const CreditNote*> credit_notes;
};

/// The slice as text (a CSV table per entity, in sections) in which each
/// record also says where it was read (the book's own file and line), so that
/// findings about the records read back with read_slice are placed where the
/// original book has them. Only read_slice reads it: the form may change.
void write_slice(std::ostream& out, const Book& book, const BookSlice& slice);
/// The records write_slice wrote, each with its original source.
BookData read_slice(std::string_view text);

/// The reference tables of `book`, every record.
BookSlice reference_slice(const Book& book);

}  // namespace billcheck
