// The billing book: every record of one export, immutable once built, with the
// indexes rules need so that no rule scans the whole book per record.
#pragma once

#include <billcheck/entities.hpp>
#include <billcheck/error.hpp>
#include <billcheck/export.hpp>

#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace billcheck {

/// A book that could not be loaded; `messages` lists every problem, each as
/// `file:line: column 'name': what is wrong`.
class BILLCHECK_SDK_API BookError : public Error {
 public:
  explicit BookError(std::vector<std::string> messages);
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

/// The raw records a loader fills in, before indexing.
struct BILLCHECK_SDK_API BookData {
  std::vector<Client> clients;
  std::vector<Timekeeper> timekeepers;
  std::vector<Engagement> engagements;
  std::vector<Rate> rates;
  std::vector<TimeEntry> time_entries;
  std::vector<Invoice> invoices;
  std::vector<InvoiceLine> lines;
  std::vector<Payment> payments;
  std::vector<CreditNote> credit_notes;
  /// Holds every Text of the records above (and of their Source files).
  TextStore text;
  /// The file names records were read from, each stored once: Source::file k is files[k - 1].
  std::vector<Text> files;

  /// `name`'s number for Source::file, stored once however many records name it.
  std::uint32_t file_number(std::string_view name);
  /// The number here of file `number` of `other` (0, no file, stays 0): for a record moved over from it.
  std::uint32_t file_number(const BookData& other, std::uint32_t number) {
    return number == 0 ? 0 : file_number(other.file_of(Source{number, 0}));
  }
  /// `name`, stored once, as a Text (for messages).
  Text intern_file(std::string_view name) { return files[file_number(name) - 1]; }
  /// The name of the file a record was read from: empty when it was not.
  Text file_of(const Source& source) const {
    return source.file == 0 || source.file > files.size() ? Text() : files[source.file - 1];
  }
  /// `s` as a Text held by this book's store: how a loader (or a test) fills in a record's text.
  Text add_text(std::string_view s) { return text.add(s); }
};

/// Read-only after construction; safe to share between threads.
///
/// Records are in a canonical order, not file order: each entity by id (rates
/// by engagement, role, timekeeper and effective_from, so a timekeeper's own rows
/// first; lines by invoice, then line_no), then by the fields that tell records
/// with one id apart. A report is a function of the records, never of the order
/// of the rows that held them, so that findings and fingerprints survive a
/// re-export in another order.
class BILLCHECK_SDK_API Book {
 public:
  /// Indexes `data`. Throws BookError when a line names an invoice that is not
  /// in the book (the one inconsistency the contract makes a load failure).
  explicit Book(BookData data);
  Book(Book&&) noexcept;
  Book& operator=(Book&&) noexcept;
  ~Book();
  Book(const Book&) = delete;
  Book& operator=(const Book&) = delete;

  std::span<const Client> clients() const { return d_.clients; }
  std::span<const Timekeeper> timekeepers() const { return d_.timekeepers; }
  std::span<const Engagement> engagements() const { return d_.engagements; }
  std::span<const Rate> rates() const { return d_.rates; }
  std::span<const TimeEntry> time_entries() const { return d_.time_entries; }
  /// By invoice number.
  std::span<const Invoice> invoices() const { return d_.invoices; }
  /// Grouped by invoice (in invoice order), by line_no within an invoice.
  std::span<const InvoiceLine> lines() const { return d_.lines; }
  std::span<const Payment> payments() const { return d_.payments; }
  std::span<const CreditNote> credit_notes() const { return d_.credit_notes; }

  // Look-ups by id: nullptr when absent; the first record (in canonical order) when an id repeats.
  // Each takes a record's Text too (ABI 4.0): its hash is kept with it, so the look-up hashes nothing.
  const Client* client(std::string_view id) const;
  const Client* client(Text id) const;
  const Timekeeper* timekeeper(std::string_view id) const;
  const Timekeeper* timekeeper(Text id) const;
  const Engagement* engagement(std::string_view id) const;
  const Engagement* engagement(Text id) const;
  const Invoice* invoice(std::string_view id) const;
  const Invoice* invoice(Text id) const;
  const TimeEntry* time_entry(std::string_view id) const;
  const TimeEntry* time_entry(Text id) const;
  const Payment* payment(std::string_view id) const;
  const Payment* payment(Text id) const;

  /// Every invoice carrying this number (more than one is a duplicate number).
  std::span<const Invoice* const> invoices_numbered(std::string_view id) const;
  std::span<const Invoice* const> invoices_numbered(Text id) const;
  /// A client's invoices by issue date, then invoice number.
  std::span<const Invoice* const> invoices_of_client(std::string_view client_id) const;
  std::span<const Invoice* const> invoices_of_client(Text client_id) const;
  /// An engagement's invoices by issue date, then invoice number.
  std::span<const Invoice* const> invoices_of_engagement(std::string_view engagement_id) const;
  std::span<const Invoice* const> invoices_of_engagement(Text engagement_id) const;

  std::span<const InvoiceLine> lines_of(const Invoice& invoice) const;
  /// The invoice a line belongs to (always present in a built Book).
  const Invoice& invoice_of(const InvoiceLine& line) const;
  /// The timekeeper of a line of this book, as timekeeper(line.timekeeper_id) finds it, without
  /// a look-up by id: nullptr when the line names none or one not in the book.
  /// (ABI 3.1)
  const Timekeeper* timekeeper_of(const InvoiceLine& line) const;

  /// The agreed rate row: the engagement's row for this timekeeper effective on
  /// `date`, else its row for the timekeeper's role; nullptr when none applies.
  const Rate* agreed_rate(std::string_view engagement_id, std::string_view timekeeper_id,
                          std::string_view role, Date date) const;
  /// The agreed rate for a fee line of this book, using its invoice's
  /// engagement, the line's timekeeper (and role) and the line's date (or the
  /// invoice's issue date). Found once per line: later calls read it back.
  const Rate* agreed_rate(const InvoiceLine& line) const;
  /// Whether the engagement has any rate card row.
  bool has_rate_card(std::string_view engagement_id) const;
  bool has_rate_card(Text engagement_id) const;

  /// Time entries of a timekeeper on a day, by entry id.
  std::span<const TimeEntry* const> time_entries_on(std::string_view timekeeper_id, Date date) const;

  std::span<const Payment* const> payments_of_invoice(std::string_view invoice_id) const;
  std::span<const Payment* const> payments_of_invoice(Text invoice_id) const;
  std::span<const Payment* const> payments_of_client(std::string_view client_id) const;
  std::span<const Payment* const> payments_of_client(Text client_id) const;
  std::span<const CreditNote* const> credit_notes_of_invoice(std::string_view invoice_id) const;
  std::span<const CreditNote* const> credit_notes_of_invoice(Text invoice_id) const;
  std::span<const CreditNote* const> credit_notes_of_client(std::string_view client_id) const;
  std::span<const CreditNote* const> credit_notes_of_client(Text client_id) const;
  /// payments_of_invoice(invoice.id) and credit_notes_of_invoice(invoice.id)
  /// for one of this book's invoices, found by its place in invoices() rather
  /// than by its number: a rule over every invoice of a large book otherwise
  /// looks each number up in a table larger than the cache. (Since ABI 5.4.)
  std::span<const Payment* const> payments_of(const Invoice& invoice) const;
  std::span<const CreditNote* const> credit_notes_of(const Invoice& invoice) const;

  /// The name of the file a record was read from (`file_of(line.source)`): empty when it was not.
  Text file_of(const Source& source) const { return d_.file_of(source); }

  /// The client id a record belongs to (through its invoice for lines).
  Text client_id_of(const InvoiceLine& line) const { return invoice_of(line).client_id; }

  /// An index of a rule's own, computed from the book once and shared: `make(book)`
  /// runs at most once per `key` for this Book, even when rules run on many
  /// threads, and later calls return the same object. Name keys after the rule
  /// or plugin (`credit.settled-on`); one key always holds one type T.
  template <class T, class Make>
  const T& derived(std::string_view key, Make make) const {
    return *static_cast<const T*>(
        derived_value(key, [&]() -> std::shared_ptr<const void> { return std::make_shared<const T>(make(*this)); }));
  }

 private:
  const void* derived_value(std::string_view key, const std::function<std::shared_ptr<const void>()>& make) const;
  struct Index;
  BookData d_;
  std::unique_ptr<Index> ix_;
};

}  // namespace billcheck
