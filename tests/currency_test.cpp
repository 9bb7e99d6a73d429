// Currency codes: ISO 4217, case-sensitive, checked wherever a book names one
// (clients, invoices, payments, and --currency for LEDES), so that no amount is
// rounded by a currency that does not exist.
#include "test_support.hpp"

#include <billcheck/load.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(CurrencyCodes, AreTheIso4217ListWithTheirMinorUnits) {
  for (const char* code : {"USD", "EUR", "GBP", "JPY", "KWD", "CHF", "CLF", "XOF", "ZAR"})
    EXPECT_TRUE(is_currency(code)) << code;
  for (const char* code : {"jpy", "Usd", "XYZ", "", "US", "USDD", "EU R"}) EXPECT_FALSE(is_currency(code)) << code;
  EXPECT_FALSE(is_currency(std::string(1000, 'A')));
  EXPECT_EQ(minor_units("JPY"), 0);
  EXPECT_EQ(minor_units("CLF"), 4);
  EXPECT_EQ(minor_units("TND"), 3);
  EXPECT_EQ(minor_units("CHF"), 2);
}

TEST(CurrencyCodes, ProblemSaysWhatToWrite) {
  EXPECT_EQ(currency_problem("USD"), "");
  EXPECT_EQ(currency_problem("jpy"), "'jpy' is not an ISO 4217 currency code (codes are upper case: JPY)");
  EXPECT_EQ(currency_problem("XYZ"),
            "'XYZ' is not an ISO 4217 currency code (use the three capital letters of ISO 4217, e.g. USD, EUR, JPY)");
  EXPECT_EQ(currency_problem(std::string(1000, 'A')),
            "'AAAAAAAAAAAA...' (1000 characters) is not an ISO 4217 currency code (use the three capital letters "
            "of ISO 4217, e.g. USD, EUR, JPY)");
}

/// A CSV book whose client, invoice and payment name currencies that do not exist.
fs::path book_with_bad_currencies() {
  const fs::path dir = test::temp_dir("currency");
  test::write_file(dir / "clients.csv", "client_id,name,currency\nC1,Kisaragi Robotics KK,jpy\nC2,Acme,EUR\n");
  test::write_file(dir / "invoices.csv",
                   "invoice_id,client_id,issue_date,currency,total\nI-1,C1,2026-01-31,XYZ,1000\n"
                   "I-2,C2,2026-01-31,EUR,10.00\n");
  test::write_file(dir / "invoice_lines.csv",
                   "invoice_id,line_no,type,quantity,rate,amount\nI-1,1,expense,1,1000,1000\nI-2,1,expense,1,10,10.00\n");
  test::write_file(dir / "payments.csv", "payment_id,client_id,invoice_id,date,amount,currency\nP-1,C2,I-2,2026-02-01,10.00," +
                                             std::string(1000, 'E') + "\n");
  return dir;
}

TEST(CurrencyColumns, AnUnknownCodeIsALocatedLoadError) {
  const fs::path dir = book_with_bad_currencies();
  try {
    load_book(dir);
    FAIL() << "the book loaded";
  } catch (const BookError& e) {
    const std::string d = dir.string() + "/";
    EXPECT_THAT(e.messages(),
                ElementsAre(d + "clients.csv:2: column 'currency': 'jpy' is not an ISO 4217 currency code (codes are "
                                "upper case: JPY)",
                            d + "invoices.csv:2: column 'currency': 'XYZ' is not an ISO 4217 currency code (use the "
                                "three capital letters of ISO 4217, e.g. USD, EUR, JPY)",
                            d + "payments.csv:2: column 'currency': 'EEEEEEEEEEEE...' (1000 characters) is not an ISO "
                                "4217 currency code (use the three capital letters of ISO 4217, e.g. USD, EUR, JPY)"));
  }
  fs::remove_all(dir);
}

TEST(CurrencyColumns, JsonBooksAreCheckedAlike) {
  try {
    read_json_text(R"({"invoices": [{"invoice_id": "I-1", "client_id": "C1", "issue_date": "2026-01-31",
                       "currency": "usd", "total": 10}]})",
                   "inline");
    FAIL() << "the book loaded";
  } catch (const BookError& e) {
    EXPECT_THAT(e.messages(), ElementsAre("inline:2: column 'currency': 'usd' is not an ISO 4217 currency code "
                                          "(codes are upper case: USD)"));
  }
}

TEST(CurrencyColumns, TheLedesCurrencyIsChecked) {
  const fs::path dir = test::temp_dir("ledes-currency");
  const fs::path ledes = dir / "bill.ledes";
  ASSERT_EQ(test::run_billcheck("convert tests/data/ledes/book '" + ledes.string() + "'").status, 0);
  LoadOptions options;
  options.ledes_currency = "XYZ";
  try {
    load_book(ledes, options);
    FAIL() << "the book loaded";
  } catch (const BookError& e) {
    EXPECT_THAT(e.messages(), ElementsAre(ledes.string() + ": the currency for LEDES invoices: 'XYZ' is not an ISO "
                                                           "4217 currency code (use the three capital letters of "
                                                           "ISO 4217, e.g. USD, EUR, JPY)"));
  }

  // The CLI refuses it before reading anything, as a usage error.
  for (const std::string& command : {std::string("check"), std::string("convert")}) {
    const auto r = test::run_billcheck(command + " '" + ledes.string() + "' " +
                                       (command == "convert" ? "'" + (dir / "out.json").string() + "' " : "") +
                                       "--currency jpy");
    EXPECT_EQ(r.status, 2) << command;
    EXPECT_THAT(r.err, HasSubstr("'jpy' is not an ISO 4217 currency code (codes are upper case: JPY)")) << command;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
