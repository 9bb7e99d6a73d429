// A book in parts moves records between processes as slices (write_slice,
// read_slice): what comes back is the same records, each placed where the
// original book has it.
#include <billcheck/book.hpp>
#include <billcheck/convert.hpp>
#include <billcheck/error.hpp>
#include <billcheck/load.hpp>
#include <billcheck/parts.hpp>

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace billcheck {
namespace {

// Cells a CSV writer must quote (comma, quote, line break, edge spaces), an
// extra column on one record only, and money in a currency without minor units.
const char* kBook = R"({
  "clients": [{"client_id": "C1", "name": "Acme, \"the\" Co", "currency": "JPY"}],
  "timekeepers": [{"timekeeper_id": "TK-1", "name": "Ann", "role": "partner"}],
  "invoices": [
    {"invoice_id": "I-1", "client_id": "C1", "issue_date": "2026-01-31", "currency": "JPY", "total": 156750,
     "matter_ref": "M/7"},
    {"invoice_id": "I-2", "client_id": "C1", "issue_date": "2026-02-28", "currency": "USD", "total": 12.5}],
  "invoice_lines": [
    {"invoice_id": "I-1", "line_no": 1, "type": "fee", "date": "2026-01-05", "timekeeper_id": "TK-1",
     "description": " Draft, \"review\"\nand sign ", "quantity": 2.5, "rate": 62700, "amount": 156750},
    {"invoice_id": "I-2", "line_no": 1, "type": "expense", "description": "Courier", "quantity": 1, "rate": 12.5,
     "amount": 12.5}],
  "credit_notes": [{"credit_note_id": "CN-1", "client_id": "C1", "invoice_id": "I-2", "date": "2026-03-01",
                    "amount": 12.5}]
})";

std::string json_of(const Book& book) {
  std::ostringstream out;
  write_book_json(out, book);
  return out.str();
}

TEST(Slices, RecordsComeBackTheSameWithWhereTheyWereRead) {
  const Book book(read_json_text(kBook, "book.json"));
  BookSlice all = reference_slice(book);
  for (const auto& x : book.invoices()) all.invoices.push_back(&x);
  for (const auto& x : book.lines()) all.lines.push_back(&x);
  for (const auto& x : book.credit_notes()) all.credit_notes.push_back(&x);
  std::ostringstream text;
  write_slice(text, book, all);

  const Book back(read_slice(text.str()));
  EXPECT_EQ(json_of(back), json_of(book));
  ASSERT_EQ(back.lines().size(), 2u);
  for (std::size_t i = 0; i < book.lines().size(); ++i) {
    EXPECT_EQ(back.file_of(back.lines()[i].source), "book.json");
    EXPECT_EQ(back.lines()[i].source.line, book.lines()[i].source.line);
  }
  EXPECT_EQ(back.invoices()[0].extra.find("matter_ref") ? back.invoices()[0].extra.find("matter_ref")->view() : "", "M/7");
  EXPECT_EQ(back.invoices()[1].extra.find("matter_ref"), nullptr);
  EXPECT_EQ(back.lines()[0].description, " Draft, \"review\"\nand sign ");
}

TEST(Slices, TextThatIsNotASliceIsABookError) {
  try {
    read_slice("invoices 99999\ninvoice_id\n");
    FAIL() << "read";
  } catch (const BookError& e) {
    EXPECT_EQ(e.messages().at(0), "<slice>: a section does not start with 'ENTITY BYTES'");
  }
}

}  // namespace
}  // namespace billcheck
