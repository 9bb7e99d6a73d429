// docs/schema/book.schema.json is generated from the entity schema and must
// match it; the schemas themselves are exercised by python/tests/test_schemas.py.
#include "schema/json_schema.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace billcheck {
namespace {

TEST(JsonSchema, BookSchemaFileIsGenerated) {
  const auto file = test::source_dir() / "docs" / "schema" / "book.schema.json";
  const std::string expected = schema::book_json_schema();
  if (std::getenv("BILLCHECK_UPDATE_DOCS") && (!std::filesystem::exists(file) || test::slurp(file) != expected))
    test::write_file(file, expected);
  ASSERT_TRUE(std::filesystem::exists(file)) << file;
  EXPECT_EQ(test::slurp(file), expected)
      << "docs/schema/book.schema.json is out of date; run: BILLCHECK_UPDATE_DOCS=1 build/bin/billcheck_tests "
         "--gtest_filter=JsonSchema.BookSchemaFileIsGenerated";
}

TEST(JsonSchema, BookSchemaNamesEveryEntityAndItsRequiredColumns) {
  const std::string text = schema::book_json_schema();
  for (const char* entity : {"clients", "timekeepers", "engagements", "rates", "time_entries", "invoices",
                             "invoice_lines", "payments", "credit_notes"})
    EXPECT_NE(text.find(std::string("\"") + entity + "\": {"), std::string::npos) << entity;
  EXPECT_NE(text.find("\"https://json-schema.org/draft/2020-12/schema\""), std::string::npos);
}

}  // namespace
}  // namespace billcheck
