// The entity schema (host/src/schema/schema.hpp) is the one description of a
// column: every column it names loads from CSV and JSON, is written back by
// both writers, is a field of pack expressions with the member's type, and is
// in docs/book-format.md. (python/tests/test_schema.py checks the Python side.)
#include <billcheck/convert.hpp>
#include <billcheck/load.hpp>

#include "packs/expr/bindings.hpp"
#include "schema/columns.hpp"
#include "schema/schema.hpp"
#include "test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

/// The expression language's record kind for entity records `T`.
template <class T>
constexpr expr::Rec rec_of() {
  if constexpr (std::is_same_v<T, Client>) return expr::Rec::client;
  else if constexpr (std::is_same_v<T, Timekeeper>) return expr::Rec::timekeeper;
  else if constexpr (std::is_same_v<T, Engagement>) return expr::Rec::engagement;
  else if constexpr (std::is_same_v<T, Rate>) return expr::Rec::rate;
  else if constexpr (std::is_same_v<T, TimeEntry>) return expr::Rec::time_entry;
  else if constexpr (std::is_same_v<T, Invoice>) return expr::Rec::invoice;
  else if constexpr (std::is_same_v<T, InvoiceLine>) return expr::Rec::line;
  else if constexpr (std::is_same_v<T, Payment>) return expr::Rec::payment;
  else return expr::Rec::credit_note;
}

/// The records of an entity in `data`.
template <class E>
const auto& records_in(const E& entity, const BookData& data) {
  return data.*entity.records;
}

/// The Book's records of type `T`.
template <class T>
std::span<const T> records_of(const Book& b) {
  if constexpr (std::is_same_v<T, Client>) return b.clients();
  else if constexpr (std::is_same_v<T, Timekeeper>) return b.timekeepers();
  else if constexpr (std::is_same_v<T, Engagement>) return b.engagements();
  else if constexpr (std::is_same_v<T, Rate>) return b.rates();
  else if constexpr (std::is_same_v<T, TimeEntry>) return b.time_entries();
  else if constexpr (std::is_same_v<T, Invoice>) return b.invoices();
  else if constexpr (std::is_same_v<T, InvoiceLine>) return b.lines();
  else if constexpr (std::is_same_v<T, Payment>) return b.payments();
  else return b.credit_notes();
}

/// A value for `column` that every loader accepts and that links the records
/// of the one-of-each book together (the ids name each other).
template <auto M>
std::string sample(const schema::Column<M>& column) {
  using V = typename schema::Column<M>::value_type;
  if (!column.choices.empty()) return std::string(column.choices.front());
  if constexpr (std::is_same_v<V, Text>) {
    const std::string name(column.name);
    if (name == "client_id") return "C1";
    if (name == "engagement_id") return "E1";
    if (name == "timekeeper_id") return "T1";
    if (name == "invoice_id") return "I1";
    if (name == "entry_id") return "TE1";
    if (name == "payment_id") return "P1";
    if (name == "credit_note_id") return "N1";
    if (name == "currency") return "USD";
    if (name == "role") return "partner";
    return "some " + name;
  } else if constexpr (std::is_same_v<V, Decimal>) {
    return "12.5";
  } else if constexpr (std::is_same_v<V, Date>) {
    return "2026-01-02";
  } else if constexpr (std::is_same_v<V, std::int64_t> || std::is_same_v<V, std::int32_t>) {
    return "7";
  } else {
    return "false";  // not the default of `billable`, so a lost value shows
  }
}

/// The one-of-each book: every entity, one record, every column given.
std::string book_json() {
  std::string out = "{";
  bool first_entity = true;
  schema::for_each_entity([&](const auto& entity) {
    out += std::string(first_entity ? "" : ",") + "\n\"" + std::string(entity.name) + "\": [{";
    first_entity = false;
    bool first = true;
    schema::for_each_column(entity.columns, [&](const auto& column) {
      out += std::string(first ? "" : ", ") + "\"" + std::string(column.name) + "\": \"" + sample(column) + "\"";
      first = false;
    });
    out += "}]";
  });
  return out + "\n}\n";
}

void write_book_csv_files(const fs::path& dir) {
  schema::for_each_entity([&](const auto& entity) {
    std::string header, row;
    schema::for_each_column(entity.columns, [&](const auto& column) {
      header += (header.empty() ? "" : ",") + std::string(column.name);
      row += (row.empty() ? "" : ",") + sample(column);
    });
    test::write_file(dir / (std::string(entity.name) + ".csv"), header + "\n" + row + "\n");
  });
}

/// Every column of every entity in `data` holds its sample value, read back as text.
void expect_every_column(const BookData& data, const std::string& form) {
  schema::for_each_entity([&](const auto& entity) {
    const auto& records = records_in(entity, data);
    ASSERT_EQ(records.size(), 1u) << form << " " << entity.name;
    schema::for_each_column(entity.columns, [&](const auto& column) {
      using M = std::remove_cvref_t<decltype(column)>;
      const std::string text = fields::cell(records.front().*M::member).text;
      const std::string expected = sample(column);
      // Decimals come back in their canonical text; compare them as numbers.
      if constexpr (std::is_same_v<typename M::value_type, Decimal>)
        EXPECT_EQ(Decimal::parse(text), Decimal::parse(expected)) << form << " " << entity.name << "." << column.name;
      else
        EXPECT_EQ(text, expected) << form << " " << entity.name << "." << column.name;
    });
  });
}

TEST(Schema, EveryColumnLoadsFromCsvAndJson) {
  const fs::path dir = test::temp_dir("schema-csv");
  write_book_csv_files(dir);
  expect_every_column(read_csv_directory(dir), "CSV");
  expect_every_column(read_json_text(book_json(), "book.json"), "JSON");
  fs::remove_all(dir);
}

TEST(Schema, EveryColumnIsWrittenByBothWriters) {
  const Book book(read_json_text(book_json(), "book.json"));
  std::ostringstream json;
  write_book_json(json, book);
  expect_every_column(read_json_text(json.str(), "written.json"), "written JSON");
  const fs::path dir = test::temp_dir("schema-written");
  write_book_csv(dir, book);
  expect_every_column(read_csv_directory(dir), "written CSV");
  fs::remove_all(dir);
}

TEST(Schema, TheLoadersColumnsAreTheSchemasInItsOrder) {
  auto check = [](const auto& schema_entity, const auto& text_entity) {
    EXPECT_EQ(text_entity.name, schema_entity.name);
    std::size_t i = 0;
    schema::for_each_column(schema_entity.columns, [&](const auto& column) {
      ASSERT_LT(i, text_entity.columns.size()) << schema_entity.name;
      const auto& text = text_entity.columns[i++];
      EXPECT_EQ(text.name, column.name);
      EXPECT_EQ(text.required, column.required) << column.name;
      EXPECT_EQ(text.choices.size(), column.choices.size()) << column.name;
    });
    EXPECT_EQ(i, text_entity.columns.size()) << schema_entity.name;
  };
  check(schema::kClients, fields::kClients);
  check(schema::kTimekeepers, fields::kTimekeepers);
  check(schema::kEngagements, fields::kEngagements);
  check(schema::kRates, fields::kRates);
  check(schema::kTimeEntries, fields::kTimeEntries);
  check(schema::kInvoices, fields::kInvoices);
  check(schema::kLines, fields::kLines);
  check(schema::kPayments, fields::kPayments);
  check(schema::kCreditNotes, fields::kCreditNotes);
}

TEST(Schema, EveryColumnIsAnExpressionFieldOfItsType) {
  const Book book(read_json_text(book_json(), "book.json"));
  schema::for_each_entity([&](const auto& entity) {
    using T = typename std::remove_cvref_t<decltype(entity)>::record;
    ASSERT_EQ(records_of<T>(book).size(), 1u) << entity.name;
    const T& record = records_of<T>(book).front();
    std::size_t columns = 0;
    schema::for_each_column(entity.columns, [&](const auto& column) {
      using M = std::remove_cvref_t<decltype(column)>;
      using V = typename M::value_type;
      ++columns;
      const expr::Field* field = expr::find_field(rec_of<T>(), column.field());
      ASSERT_NE(field, nullptr) << entity.name << "." << column.field();
      EXPECT_EQ(field->doc, column.doc);
      EXPECT_TRUE(field->column) << entity.name << "." << column.field();
      expr::Kind kind = std::is_same_v<V, Text> ? expr::Kind::string
                        : std::is_same_v<V, Date>      ? expr::Kind::date
                        : std::is_same_v<V, bool>      ? expr::Kind::boolean
                                                       : expr::Kind::decimal;
      EXPECT_EQ(field->type.kind, kind) << entity.name << "." << column.field();
      EXPECT_EQ(field->type.money, column.is_money) << entity.name << "." << column.field();
      EXPECT_NE(field->get(&record, book).kind, expr::Kind::absent) << entity.name << "." << column.field();
    });
    // The columns come first, in the schema's order, then `extra` and the links.
    auto all = expr::fields_of(rec_of<T>());
    ASSERT_GT(all.size(), columns);
    EXPECT_EQ(all[columns].name, "extra") << entity.name;
  });
}

const std::string kBeginGenerated = "<!-- columns: generated from host/src/schema/schema.hpp -->\n";
const std::string kEndGenerated = "<!-- end of generated columns -->";

/// Where the generated part of docs/book-format.md is, between its markers (npos: no markers).
std::pair<std::size_t, std::size_t> generated_part(const std::string& page) {
  auto b = page.find(kBeginGenerated);
  auto e = page.find(kEndGenerated);
  if (b == std::string::npos || e == std::string::npos || e < b) return {std::string::npos, 0};
  return {b + kBeginGenerated.size(), e - b - kBeginGenerated.size()};
}

TEST(Schema, BookFormatDocsListEveryColumn) {
  const fs::path page = test::source_dir() / "docs" / "book-format.md";
  std::string text = test::slurp(page);
  const auto [at, size] = generated_part(text);
  ASSERT_NE(at, std::string::npos) << "docs/book-format.md lacks the markers of its generated columns";
  const std::string expected = schema::columns_markdown() + "\n";
  if (text.compare(at, size, expected) != 0 && std::getenv("BILLCHECK_UPDATE_DOCS")) {
    text.replace(at, size, expected);
    test::write_file(page, text);
  }
  EXPECT_EQ(text.substr(at, generated_part(text).second), expected)
      << "docs/book-format.md is out of date; run: BILLCHECK_UPDATE_DOCS=1 build/bin/billcheck_tests "
         "--gtest_filter=Schema.BookFormatDocsListEveryColumn";
}

}  // namespace
}  // namespace billcheck
