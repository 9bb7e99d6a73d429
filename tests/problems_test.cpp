// The located problems hosts return as JSON (the C API, the service).
#include <billcheck/problems.hpp>

#include <gtest/gtest.h>

namespace billcheck {
namespace {

TEST(Problems, LocatesFileAndLine) {
  Problem p = locate_problem("book/invoices.csv:2: column 'issue_date': '2026-02-30' is not a valid date");
  EXPECT_EQ(p.file, "book/invoices.csv");
  EXPECT_EQ(p.line, 2);
  EXPECT_EQ(p.column, 0);
  EXPECT_EQ(p.message, "column 'issue_date': '2026-02-30' is not a valid date");
}

TEST(Problems, LocatesFileLineAndColumn) {
  Problem p = locate_problem("cfg/billcheck.yaml:12:7: unknown rule 'x.y'");
  EXPECT_EQ(p.file, "cfg/billcheck.yaml");
  EXPECT_EQ(p.line, 12);
  EXPECT_EQ(p.column, 7);
  EXPECT_EQ(p.message, "unknown rule 'x.y'");
}

TEST(Problems, KeepsColonsOfThePath) {
  Problem p = locate_problem("C:\\books\\a:b.json:3: JSON syntax error: unexpected '}'");
  EXPECT_EQ(p.file, "C:\\books\\a:b.json");
  EXPECT_EQ(p.line, 3);
  EXPECT_EQ(p.message, "JSON syntax error: unexpected '}'");
}

TEST(Problems, KeepsAMessageWithoutALineWhole) {
  Problem p = locate_problem("book/invoices.csv: the file uses CR-only (old Mac) line endings");
  EXPECT_EQ(p.file, "");
  EXPECT_EQ(p.line, 0);
  EXPECT_EQ(p.message, "book/invoices.csv: the file uses CR-only (old Mac) line endings");
}

TEST(Problems, ErrorJson) {
  EXPECT_EQ(error_json("bad_book", "the book was not loaded", {"b.json:3: bad", "no place"}),
            R"({"error":{"code":"bad_book","message":"the book was not loaded","problems":[)"
            R"({"file":"b.json","line":3,"message":"bad"},{"message":"no place"}]}})");
  EXPECT_EQ(error_json("internal", "x", {}), R"({"error":{"code":"internal","message":"x","problems":[]}})");
}

TEST(Problems, Summary) {
  EXPECT_EQ(problems_summary("the book was not loaded", {"a:1: x"}), "the book was not loaded: a:1: x");
  EXPECT_EQ(problems_summary("the book was not loaded", {"a:1: x", "a:2: y"}),
            "the book was not loaded: 2 problems; the first: a:1: x");
}

}  // namespace
}  // namespace billcheck
