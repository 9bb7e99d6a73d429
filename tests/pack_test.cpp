// YAML rule packs and their expression language: evaluation (exact decimals,
// the absent-value rule, functions, macros), load-time type errors with their
// located caret, hostile input, and pack rules configured like any other rule.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <billcheck/engine.hpp>
#include <billcheck/packs.hpp>
#include <cstdlib>
#include <new>

#include "packs/expr/expr.hpp"
#include "packs/expr/bindings.hpp"
#include "packs/pack_loader.hpp"
#include "test_support.hpp"

// Counts heap allocations, to show that scalar expressions evaluate without any.
// (GCC cannot see that these operators are a matched malloc/free pair.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<std::size_t> g_allocations{0};
}
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
// The nothrow forms too (std::stable_sort's buffer uses them), so that every
// allocation in this test binary pairs with its release.
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& tag) noexcept { return operator new(n, tag); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace billcheck {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

Date day(const char* iso) { return *Date::parse_iso(iso); }
Decimal dec(const char* text) { return *Decimal::parse(text); }

// A small book: Acme (USD, requires a PO) with invoice INV-1 of three lines,
// Zürich AG (EUR) with INV-2 of one line.
BookData sample_data() {
  BookData d;
  Client acme;
  acme.id = test::text("C1");
  acme.name = test::text("Acme Freight");
  acme.currency = test::text("USD");
  acme.payment_terms_days = 30;
  acme.extra.values = {{test::text("requires_po"), test::text("true")}};
  d.clients.push_back(acme);
  Client zag;
  zag.id = test::text("C2");
  zag.name = test::text("Zürich AG");
  zag.currency = test::text("EUR");
  d.clients.push_back(zag);

  d.timekeepers.push_back({test::text("T1"), test::text("Pat Quinlan"), test::text("partner")});
  d.timekeepers.push_back({test::text("T2"), test::text("Alex Moreno"), test::text("associate")});
  Engagement e1;
  e1.id = test::text("E1");
  e1.client_id = test::text("C1");
  e1.discount_pct = dec("5");
  d.engagements.push_back(e1);
  Rate r;
  r.engagement_id = test::text("E1");
  r.role = test::text("partner");
  r.rate = dec("650");
  r.effective_from = day("2025-01-01");
  d.rates.push_back(r);

  Invoice i1;
  i1.id = test::text("INV-1");
  i1.client_id = test::text("C1");
  i1.engagement_id = test::text("E1");
  i1.issue_date = day("2026-01-31");
  i1.due_date = day("2026-03-02");
  i1.currency = test::text("USD");
  i1.total = dec("1870.03");
  i1.extra.values = {{test::text("po_number"), test::text("PO-1")}};
  d.invoices.push_back(i1);
  Invoice i2;
  i2.id = test::text("INV-2");
  i2.client_id = test::text("C2");
  i2.issue_date = day("2026-02-14");
  i2.currency = test::text("EUR");
  i2.total = dec("100");
  i2.status = test::text("void");
  d.invoices.push_back(i2);

  InvoiceLine l1;  // a partner on a Saturday, above the agreed 650
  l1.invoice_id = test::text("INV-1");
  l1.line_no = 1;
  l1.type = test::text("fee");
  l1.date = day("2026-01-10");
  l1.timekeeper_id = test::text("T1");
  l1.description = test::text("Travel to Zürich for signing");
  l1.quantity = dec("2.5");
  l1.rate = dec("700");
  l1.amount = dec("1750");
  l1.extra.values = {{test::text("po_number"), test::text("PO-1")}, {test::text("receipt_ref"), Text()}};
  d.lines.push_back(l1);
  InvoiceLine l2;  // an expense: no date, no timekeeper
  l2.invoice_id = test::text("INV-1");
  l2.line_no = 2;
  l2.type = test::text("expense");
  l2.description = test::text("Taxi");
  l2.quantity = dec("1");
  l2.rate = dec("120");
  l2.amount = dec("120");
  d.lines.push_back(l2);
  InvoiceLine l3;  // an associate with no rate card row; tenths
  l3.invoice_id = test::text("INV-1");
  l3.line_no = 3;
  l3.type = test::text("fee");
  l3.date = day("2026-01-12");
  l3.timekeeper_id = test::text("T2");
  l3.description = test::text("Review of lease");
  l3.quantity = dec("0.1");
  l3.rate = dec("0.3");
  l3.amount = dec("0.03");
  d.lines.push_back(l3);
  InvoiceLine l4;
  l4.invoice_id = test::text("INV-2");
  l4.line_no = 1;
  l4.type = test::text("fee");
  l4.date = day("2026-02-02");
  l4.timekeeper_id = test::text("T1");
  l4.quantity = dec("1");
  l4.rate = dec("100");
  l4.amount = dec("100");
  d.lines.push_back(l4);
  return d;
}

class Expr : public ::testing::Test {
 protected:
  Book book{sample_data()};
  const InvoiceLine& line(std::size_t i) { return book.lines()[i]; }
  const Invoice& invoice(std::size_t i) { return book.invoices()[i]; }

  // Evaluates `text` for a record and returns the value as text (money with
  // the currency's decimals when `currency` is given).
  std::string eval(const std::string& text, expr::Root root, Scope scope, std::string_view currency = {},
                   const std::vector<expr::OptionDecl>& decls = {}, const Options& opts = {}) {
    expr::Program program;
    expr::Environment env{scope, decls};
    expr::Compiled c = program.compile(text, env);
    expr::BoundOptions bound(decls, opts);
    expr::Evaluation ev(book, root, bound);
    return ev.text(c, currency);
  }
  std::string on_line(const std::string& text, std::size_t i = 0, std::string_view currency = {}) {
    return eval(text, expr::root_of(line(i)), Scope::line, currency);
  }
  std::string on_invoice(const std::string& text, std::size_t i = 0, std::string_view currency = {}) {
    return eval(text, expr::root_of(invoice(i)), Scope::invoice, currency);
  }
  // The compile error for `text` in a line rule: "offset:length: message".
  std::string error_of(const std::string& text, Scope scope = Scope::line) {
    expr::Program program;
    try {
      program.compile(text, {scope, {}});
    } catch (const expr::ExprError& e) {
      return std::to_string(e.offset()) + ":" + std::to_string(e.length()) + ": " + e.what();
    }
    return "no error";
  }
};

TEST_F(Expr, DecimalArithmeticIsExact) {
  EXPECT_EQ(on_line("0.1 + 0.2 == 0.3"), "true");
  EXPECT_EQ(on_line("line.quantity * line.rate", 2), "0.03");
  EXPECT_EQ(on_line("line.quantity * line.rate == line.amount", 2), "true");
  EXPECT_EQ(on_line("(line.rate - 650) * line.quantity", 0, "USD"), "125.00");  // money keeps the currency's decimals
  EXPECT_EQ(on_line("(line.rate - 650) * line.quantity"), "125");
  EXPECT_EQ(on_line("1 / 3"), "0.333333");
  EXPECT_EQ(on_line("10 % 3"), "1");
  EXPECT_EQ(on_line("2.5 % 0.1 == 0"), "true");
  EXPECT_EQ(on_line("-line.rate + 1"), "-699");
  EXPECT_EQ(on_line("round(2.345, 2)"), "2.34");  // half-even, as money rounds
  EXPECT_EQ(on_line("round(2.355, 2)"), "2.36");
  EXPECT_EQ(on_line("abs(-3.5)"), "3.5");
  EXPECT_EQ(on_line("min(line.rate, 650, 800)"), "650");
  EXPECT_EQ(on_line("max(line.quantity, 3)"), "3");
  EXPECT_EQ(on_line("line.rate / 0"), "(none)");  // division by zero is absent
}

TEST_F(Expr, AnAbsentValueMakesEveryComparisonFalse) {
  // The taxi line has no date, no timekeeper and no agreed rate.
  for (const char* e :
       {"line.agreed_rate > 0", "line.agreed_rate <= 0", "line.agreed_rate == 0", "line.agreed_rate != 0",
        "line.timekeeper.role == 'partner'", "line.timekeeper.role != 'partner'", "line.date < date('2030-01-01')",
        "weekday(line.date) in ['Sat', 'Sun']", "line.extra.po_number == 'PO-1'"})
    EXPECT_EQ(on_line(e, 1), "false") << e;
  EXPECT_EQ(on_line("!(line.agreed_rate > 0)", 1), "true");
  EXPECT_EQ(on_line("line.agreed_rate + 1", 1), "(none)");
  EXPECT_EQ(on_line("has(line.agreed_rate)", 1), "false");
  EXPECT_EQ(on_line("has(line.agreed_rate)", 0), "true");
  EXPECT_EQ(on_line("has(line.timekeeper.name)", 1), "false");
  EXPECT_EQ(on_line("has(line.date) ? 'dated' : 'undated'", 1), "undated");
  // An empty cell is absent too.
  EXPECT_EQ(on_line("has(line.extra.receipt_ref)", 0), "false");
  EXPECT_EQ(on_line("has(line.extra.po_number)", 0), "true");
  EXPECT_EQ(on_line("has(line.task_code)", 0), "false");
}

TEST_F(Expr, FieldsAndLinks) {
  EXPECT_EQ(on_line("line.timekeeper.name"), "Pat Quinlan");
  EXPECT_EQ(on_line("line.agreed_rate", 0, "USD"), "650.00");
  EXPECT_EQ(on_line("line.rate_card.role"), "partner");
  EXPECT_EQ(on_line("line.invoice.id"), "INV-1");
  EXPECT_EQ(on_line("invoice.client.name"), "Acme Freight");  // a line rule sees its invoice and client
  EXPECT_EQ(on_line("client.extra.requires_po"), "true");
  EXPECT_EQ(on_line("line.extra['po_number']"), "PO-1");
  EXPECT_EQ(on_line("line.line_no + 1", 2), "4");
  EXPECT_EQ(on_invoice("invoice.engagement.discount_pct"), "5");
  EXPECT_EQ(on_invoice("invoice.client.payment_terms_days"), "30");
  EXPECT_EQ(on_invoice("has(invoice.engagement)", 1), "false");
  EXPECT_EQ(on_invoice("invoice.status == 'void'", 1), "true");
  EXPECT_EQ(eval("client.invoices.map(i, i.id)", expr::root_of(book.clients()[0]), Scope::client), "INV-1");
}

TEST_F(Expr, LogicInAndConditional) {
  EXPECT_EQ(on_line("line.type in ['fee', 'expense']"), "true");
  EXPECT_EQ(on_line("line.type in ['adjustment']"), "false");
  EXPECT_EQ(on_line("line.type in []"), "false");
  EXPECT_EQ(on_line("line.rate > 500 && line.timekeeper.role == 'partner'"), "true");
  EXPECT_EQ(on_line("line.rate > 5000 || line.quantity >= 2.5"), "true");
  EXPECT_EQ(on_line("!(line.type == 'fee')"), "false");
  EXPECT_EQ(on_line("line.rate > 650 ? 'over' : 'within'"), "over");
  EXPECT_EQ(on_line("line.rate > 650 ? line.rate - 650 : 0", 0, "USD"), "50.00");
}

TEST_F(Expr, StringFunctions) {
  EXPECT_EQ(on_line("line.description.contains('Zürich')"), "true");
  EXPECT_EQ(on_line("contains(line.description, 'Paris')"), "false");
  EXPECT_EQ(on_line("line.description.startsWith('Travel')"), "true");
  EXPECT_EQ(on_line("line.description.endsWith('signing')"), "true");
  EXPECT_EQ(on_line("lower(line.description)"), "travel to zürich for signing");
  EXPECT_EQ(on_line("upper(line.type)"), "FEE");
  EXPECT_EQ(on_line("size(line.description)"), "28");  // characters, not bytes
  EXPECT_EQ(on_line("size(invoice.lines)"), "3");
  EXPECT_EQ(on_line("line.type + '/' + line.timekeeper.role"), "fee/partner");
  EXPECT_EQ(on_line("line.description.matches('(?i)^travel\\b')"), "true");
  EXPECT_EQ(on_line("matches(line.description, '^[0-9]+$')"), "false");
  EXPECT_EQ(on_line("'it\\'s' == \"it's\""), "true");
}

TEST_F(Expr, Dates) {
  EXPECT_EQ(on_line("weekday(line.date)"), "Sat");
  EXPECT_EQ(on_line("weekday(line.date)", 2), "Mon");
  EXPECT_EQ(on_line("month(line.date) == 1 && year(line.date) == 2026"), "true");
  EXPECT_EQ(on_line("line.date < date('2026-01-31')"), "true");
  EXPECT_EQ(on_line("line.date"), "2026-01-10");
  EXPECT_EQ(on_invoice("days_between(invoice.issue_date, invoice.due_date)"), "30");
  EXPECT_EQ(on_invoice("days_between(invoice.due_date, invoice.issue_date)"), "-30");
  EXPECT_EQ(on_invoice("max(invoice.issue_date, date('2026-02-01'))"), "2026-02-01");
  EXPECT_EQ(on_line("date(line.extra.po_number)"), "(none)");  // text that is not a date
}

TEST_F(Expr, CollectionMacros) {
  EXPECT_EQ(on_invoice("invoice.lines.filter(l, l.type == 'expense').map(l, l.amount).sum()", 0, "USD"), "120.00");
  EXPECT_EQ(on_invoice("invoice.lines.map(l, l.amount).sum()", 0, "USD"), "1870.03");
  EXPECT_EQ(on_invoice("invoice.lines.map(l, l.amount).sum() == invoice.total"), "true");
  EXPECT_EQ(on_invoice("invoice.lines.filter(l, l.type == 'fee').count()"), "2");
  EXPECT_EQ(on_invoice("invoice.lines.count(l, l.quantity < 1)"), "1");
  EXPECT_EQ(on_invoice("invoice.lines.all(l, l.amount > 0)"), "true");
  EXPECT_EQ(on_invoice("invoice.lines.all(l, l.type == 'fee')"), "false");
  EXPECT_EQ(on_invoice("invoice.lines.exists(l, l.timekeeper.role == 'partner')"), "true");
  EXPECT_EQ(on_invoice("invoice.lines.exists(l, l.timekeeper.role == 'counsel')"), "false");
  EXPECT_EQ(on_invoice("invoice.lines.map(l, l.line_no)"), "1, 2, 3");
  EXPECT_EQ(on_invoice("invoice.lines.map(l, l.line_no).filter(n, n > 1)"), "2, 3");
  // Nested: every line's invoice has a line by a partner.
  EXPECT_EQ(on_invoice("invoice.lines.all(l, l.invoice.lines.exists(m, m.timekeeper.role == 'partner'))"), "true");
  EXPECT_EQ(eval("client.invoices.map(i, i.lines.map(l, l.amount).sum()).sum()", expr::root_of(book.clients()[0]),
                 Scope::client, "USD"),
            "1870.03");
  EXPECT_EQ(on_invoice("invoice.payments.count()"), "0");
  EXPECT_EQ(on_invoice("[1, 2, 3].map(x, x * 2).sum()"), "12");
}

TEST_F(Expr, Options) {
  std::vector<expr::OptionDecl> decls = {{"cap", OptionType::decimal},
                                         {"roles", OptionType::string_list},
                                         {"caps", OptionType::decimal_map},
                                         {"strict", OptionType::boolean}};
  Options o;
  o.set("cap", dec("650"));
  o.set("roles", std::vector<std::string>{"partner", "counsel"});
  o.set("caps", DecimalMap{{"partner", dec("600")}});
  o.set("strict", true);
  auto run = [&](const std::string& e) { return eval(e, expr::root_of(line(0)), Scope::line, {}, decls, o); };
  EXPECT_EQ(run("line.rate > options.cap"), "true");
  EXPECT_EQ(run("line.timekeeper.role in options.roles"), "true");
  EXPECT_EQ(run("options.caps[line.timekeeper.role]"), "600");
  EXPECT_EQ(run("line.timekeeper.role in options.caps && options.strict"), "true");
  EXPECT_EQ(run("options.caps['associate']"), "(none)");
}

TEST_F(Expr, ScalarExpressionsDoNotAllocate) {
  expr::Program program;
  expr::Compiled when = program.compile(
      "line.rate > 500 && line.timekeeper.role == 'partner' && weekday(line.date) in ['Sat', 'Sun'] && "
      "has(line.extra.po_number) && line.description.contains('Travel')",
      {Scope::line, {}});
  expr::Compiled lists =
      program.compile("invoice.lines.filter(l, l.type == 'fee').map(l, l.amount).sum() > 100", {Scope::line, {}});
  expr::BoundOptions none;
  {
    expr::Evaluation warm(book, expr::root_of(line(0)), none);  // scratch space grows once
    (void)warm(lists);
  }
  std::size_t before = g_allocations.load();
  bool all = true;
  for (int i = 0; i < 1000; ++i) {
    expr::Evaluation ev(book, expr::root_of(line(0)), none);
    all = all && ev(when).truthy() && ev(lists).truthy();
  }
  EXPECT_TRUE(all);
  EXPECT_EQ(g_allocations.load(), before);
}

TEST_F(Expr, TypeErrorsSayWhatAndWhere) {
  EXPECT_EQ(error_of("line.rat > 650"), "5:3: unknown field 'rat' on line (did you mean 'rate'?)");
  EXPECT_EQ(error_of("line.description > 5"), "17:1: cannot compare string with decimal");
  EXPECT_EQ(error_of("line.date == '2026-01-01'"), "10:2: cannot compare date with string");
  EXPECT_EQ(error_of("contains(line.description)"), "0:8: contains() takes 2 arguments (contains(text, part)), got 1");
  EXPECT_EQ(error_of("contains(line.description, 5)"),
            "27:1: argument 2 of contains() must be a string, not a decimal");
  EXPECT_EQ(error_of("sise(line.description) > 3"), "0:4: unknown function 'sise' (did you mean 'size'?)");
  EXPECT_EQ(error_of("lien.rate > 3"), "0:4: unknown name 'lien' (did you mean 'line'?)");
  EXPECT_EQ(error_of("line.rate > options.cap"),
            "20:3: unknown option 'cap': this rule declares no options (declare it under options:)");
  EXPECT_EQ(error_of("line.rate && true"),
            "0:9: '&&' needs a bool on each side, not a decimal (write a comparison such as x > 0)");
  EXPECT_EQ(error_of("line.rate = 5"), "10:1: '=' is not an operator: use '==' to compare");
  EXPECT_EQ(error_of("line.rate > "), "12:1: unexpected end of expression");
  EXPECT_EQ(error_of("'open"), "0:1: unterminated string: add the closing '");
  EXPECT_EQ(error_of("invoice.lines.rate > 1", Scope::invoice),
            "14:4: a list has no field 'rate': use .map(x, x.rate), .exists(x, ...) or .all(x, ...)");
  EXPECT_EQ(error_of("line.description.matches('([a-z')"), "25:7: invalid regular expression: missing ]: [a-z");
  EXPECT_EQ(error_of("date('2026-02-30') > line.date"),
            "5:12: '2026-02-30' is not a date (write YYYY-MM-DD, e.g. '2026-01-31')");
  EXPECT_EQ(error_of("round(line.rate, 9)"),
            "17:1: argument 2 of round() must be a whole number from 0 to 6 written out, e.g. round(x, 2)");
  EXPECT_EQ(error_of("invoice.lines.map(l, l.rate).sum() > '5'", Scope::invoice).substr(0, 5), "35:1:");
  EXPECT_EQ(error_of("line == line"), "5:2: cannot compare line with line (compare their ids)");
}

TEST_F(Expr, NestingIsCappedWithAnErrorNotACrash) {
  std::string deep = std::string(200, '(') + "1" + std::string(200, ')');
  EXPECT_THAT(error_of(deep), HasSubstr("expression nests too deeply (more than 64 levels)"));
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_THAT(error_of(chain), HasSubstr("expression nests too deeply"));
  EXPECT_THAT(error_of(std::string(10000, '!') + "true"), HasSubstr("expression nests too deeply"));
  EXPECT_THAT(error_of(std::string(100000, '[')), HasSubstr("expression nests too deeply"));
  std::string fields = "line";
  for (int i = 0; i < 100; ++i) fields += ".invoice.lines.map(l, l";
  EXPECT_THAT(error_of(fields), HasSubstr("nests too deeply"));
  // Within the cap, fine.
  std::string ok = std::string(30, '(') + "1" + std::string(30, ')') + " == 1";
  EXPECT_EQ(error_of(ok), "no error");
}

// ---------------------------------------------------------------------------
// Packs on disk.

class Packs : public ::testing::Test {
 protected:
  std::filesystem::path dir = test::temp_dir("packs");
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::filesystem::path write_pack(const std::string& name, const std::string& yaml) {
    test::write_file(dir / name / "pack.yaml", yaml);
    return dir / name;
  }
  // Every message load_pack throws, joined by newlines.
  std::string load_errors(const std::filesystem::path& p) {
    try {
      detail::load_pack(p);
    } catch (const ConfigError& e) {
      std::string out;
      for (const auto& m : e.messages()) out += (out.empty() ? "" : "\n") + m;
      return out;
    }
    return "loaded";
  }
  std::string file(const std::string& name) { return (dir / name / "pack.yaml").string(); }
};

const char* kRuleHead =
    "pack: t\n"
    "rules:\n"
    "  - id: r\n"
    "    title: T\n"
    "    category: rates\n"
    "    scope: line\n";

// yaml-cpp writes "\_" and "\N" as one byte each, not UTF-8: a message with
// one would give findings text no report can hold. Refused at load, located.
TEST_F(Packs, AnEscapeThatGivesBytesThatAreNotUtf8IsRefusedAtItsValue) {
  auto p = write_pack("escapes", std::string(kRuleHead) +
                                     "    when: line.rate > 1\n"
                                     "    message: \"Rate\\_too high\"\n"
                                     "    description: \"next\\Nline\"\n");
  const std::string f = file("escapes");
  EXPECT_THAT(load_errors(p),
              HasSubstr(f + ":8:14: the escape \\_ gives a byte that is not UTF-8 here; write \\u00A0 for a no-break "
                                "space, or the character itself"));
  EXPECT_THAT(load_errors(p),
              HasSubstr(f + ":9:18: the escape \\N gives a byte that is not UTF-8 here; write \\u0085 for U+0085 "
                                "(next line), or a line break"));
  auto lint = test::run_billcheck("lint '" + p.string() + "'");
  EXPECT_EQ(lint.status, 2);
  EXPECT_THAT(lint.err, HasSubstr(f + ":8:14: the escape \\_ gives a byte that is not UTF-8 here"));
  // Written as \u00A0, the same character is UTF-8, and the pack loads.
  auto fixed = write_pack("escaped", std::string(kRuleHead) +
                                         "    when: line.rate > 1\n"
                                         "    message: \"Rate\\u00A0too high\"\n");
  EXPECT_EQ(load_errors(fixed), "loaded");
}

TEST_F(Packs, AnUnknownFieldIsReportedAtItsColumnWithACaret) {
  auto p = write_pack("a", std::string(kRuleHead) + "    when: line.timekeeper.role == 'partner' && line.rat > 650\n");
  EXPECT_EQ(load_errors(p), file("a") +
                                ":7:53: unknown field 'rat' on line (did you mean 'rate'?)\n"
                                "    line.timekeeper.role == 'partner' && line.rat > 650\n" +
                                std::string(4 + 42, ' ') + "^~~");
}

TEST_F(Packs, AStringComparedWithADecimalInAQuotedScalar) {
  auto p = write_pack("b", std::string(kRuleHead) + "    when: \"line.description > 650\"\n");
  EXPECT_EQ(load_errors(p), file("b") +
                                ":7:29: cannot compare string with decimal\n"
                                "    line.description > 650\n" +
                                std::string(4 + 17, ' ') + "^");
}

TEST_F(Packs, AnErrorInsideAFoldedBlockPointsAtItsLine) {
  auto p = write_pack("c", std::string(kRuleHead) +
                               "    when: >-\n"
                               "      line.type == 'fee'\n"
                               "      && contains(line.description)\n");
  EXPECT_EQ(load_errors(p), file("c") +
                                ":9:10: contains() takes 2 arguments (contains(text, part)), got 1\n"
                                "    line.type == 'fee' && contains(line.description)\n" +
                                std::string(4 + 22, ' ') + "^~~~~~~~");
}

// An escape in a quoted expression takes more or fewer bytes in the file than
// it writes: the error after one is still where it was written (after a
// `\u00e9` an error on line 7 was put at 9:1, the end of the file).
// (\N and \_ are refused before any expression is read: see the test above.)
TEST_F(Packs, AnErrorAfterAnEscapeIsWhereItWasWritten) {
  for (const std::string escape : {"\\u00e9", "\\x41", "\\xE9", "\\e", "\\U0001F600", "\\L", "\\P",
                                   "\\t", "\\\"", "\\/", "\\\\\\\\", "\\ "}) {
    const std::string when = "    when: \"line.description == '" + escape + "' && line.rat > 1\"\n";
    auto p = write_pack("escape", std::string(kRuleHead) + when);
    EXPECT_THAT(load_errors(p), StartsWith(file("escape") + ":7:" + std::to_string(when.find("rat") + 1) +
                                           ": unknown field 'rat' on line"))
        << escape;
  }
  // The caret is under the value as YAML wrote it.
  auto p = write_pack("e", std::string(kRuleHead) + "    when: \"line.description == '\\u00e9' && line.rat > 1\"\n");
  EXPECT_EQ(load_errors(p), file("e") +
                                ":7:49: unknown field 'rat' on line (did you mean 'rate'?)\n"
                                "    line.description == '\xC3\xA9' && line.rat > 1\n" +
                                std::string(4 + 32, ' ') + "^~~");
  // An escaped line break writes nothing, nor does the next line's indentation.
  const std::string next_line = "      \\x41' && line.rat > 1\"\n";
  p = write_pack("break", std::string(kRuleHead) + "    when: \"line.description == '\\u00e9\\\n" + next_line);
  EXPECT_THAT(load_errors(p), StartsWith(file("break") + ":8:" + std::to_string(next_line.find("rat") + 1) +
                                         ": unknown field 'rat' on line"));
  // '' in a single-quoted value writes one quote (here an empty string, '').
  const std::string single = "    when: 'line.description == '''' && line.rat > 1'\n";
  p = write_pack("single", std::string(kRuleHead) + single);
  EXPECT_THAT(load_errors(p), StartsWith(file("single") + ":7:" + std::to_string(single.find("rat") + 1) +
                                         ": unknown field 'rat' on line"));
}

TEST_F(Packs, AnErrorInAMessageInterpolation) {
  auto p = write_pack("d", std::string(kRuleHead) +
                               "    when: line.rate > 1\n"
                               "    message: \"{line.timekeeper.name} billed {lower(line.rate)}\"\n");
  EXPECT_EQ(load_errors(p), file("d") +
                                ":8:52: argument 1 of lower() must be a string, not a decimal\n"
                                "    {line.timekeeper.name} billed {lower(line.rate)}\n" +
                                std::string(4 + 37, ' ') + "^" + std::string(8, '~'));
}

TEST_F(Packs, UnknownFunctionAndEveryOtherProblemAreAllListed) {
  auto p = write_pack("e",
                      "pack: t\n"
                      "rules:\n"
                      "  - id: r\n"
                      "    title: T\n"
                      "    category: rates\n"
                      "    scope: line\n"
                      "    when: lenght(line.description) > 3\n"
                      "  - id: s\n"
                      "    title: S\n"
                      "    category: rates\n"
                      "    scope: galaxy\n"
                      "    when: true\n"
                      "  - id: u\n"
                      "    title: U\n"
                      "    category: rates\n"
                      "    scope: invoice\n"
                      "    when: invoice.total\n"
                      "    colour: red\n");
  std::string errors = load_errors(p);
  EXPECT_THAT(errors, HasSubstr(file("e") + ":7:11: unknown function 'lenght' (functions: has, size, contains"));
  EXPECT_THAT(errors, HasSubstr(file("e") +
                                ":11:12: scope 'galaxy' is not one of line, invoice, client, payment, credit_note"));
  EXPECT_THAT(errors,
              HasSubstr(file("e") + ":17:11: 'when' must be true or false, but this is decimal (write a comparison)"));
  EXPECT_THAT(errors, HasSubstr(file("e") + ":18:5: unknown key 'colour' in a rule"));
}

TEST_F(Packs, HostileYamlGetsAnErrorNotACrash) {
  // Deeper than yaml-cpp's own guard.
  auto p = write_pack("deep", "pack: t\nrules: " + std::string(20000, '[') + std::string(20000, ']') + "\n");
  EXPECT_THAT(load_errors(p), HasSubstr("pack.yaml:"));
  // Within yaml-cpp's guard but deeper than any pack.
  p = write_pack("deep2", "pack: t\nrules: " + std::string(100, '[') + std::string(100, ']') + "\n");
  EXPECT_THAT(load_errors(p), HasSubstr("pack.yaml nests deeper than 32 levels"));
  // Aliases that multiply: a billion laughs.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c)
    bomb += std::string(1, c) + ": &" + c + " [*" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" +
            char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) + ", *" + char(c - 1) +
            ", *" + char(c - 1) + ", *" + char(c - 1) + "]\n";
  p = write_pack("bomb", bomb + "pack: t\nrules: []\n");
  EXPECT_THAT(load_errors(p), HasSubstr("pack.yaml is too large"));
  // A deep expression in a pack.
  p = write_pack("deepexpr", std::string(kRuleHead) + "    when: \"" + std::string(500, '(') + "true" +
                                 std::string(500, ')') + "\"\n");
  EXPECT_THAT(load_errors(p), HasSubstr("expression nests too deeply"));
  // Not YAML at all.
  p = write_pack("garbage", "pack: [unclosed\n");
  EXPECT_THAT(load_errors(p), HasSubstr("YAML syntax error"));
}

// A second document in pack.yaml was ignored, its rules with it.
TEST_F(Packs, ASecondDocumentIsAnErrorWhereItStarts) {
  auto p = write_pack("two", std::string(kRuleHead) + "    when: line.rate > 1\n    message: m\n---\n" + kRuleHead +
                                 "    when: line.rate > 2\n");
  const std::string error = file("two") +
                            ":9:1: a second YAML document starts here; pack.yaml is one document, so merge the two (a "
                            "'---' line starts a new one)";
  EXPECT_EQ(load_errors(p), error);
  const auto r = test::run_billcheck("lint '" + p.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, error + "\n");
}

TEST_F(Packs, LintFindsDuplicatesMissingMessagesUnknownCategoriesAndUnusedOptions) {
  auto p = write_pack("lint",
                      "pack: t\n"
                      "rules:\n"
                      "  - id: r\n"
                      "    title: T\n"
                      "    category: rates\n"
                      "    scope: line\n"
                      "    when: line.rate > options.cap\n"
                      "    message: over\n"
                      "    options:\n"
                      "      cap: {type: decimal, default: 650}\n"
                      "      floor: {type: decimal, default: 10}\n"
                      "  - id: r\n"
                      "    title: T again\n"
                      "    category: billing\n"
                      "    scope: line\n"
                      "    when: line.rate > 1\n");
  PackLint lint = lint_pack(p);
  EXPECT_TRUE(lint.errors.empty());
  const std::string f = file("lint");
  EXPECT_THAT(lint.problems,
              UnorderedElementsAre(
                  f + ":11:7: option 'floor' of rule 'r' is declared but no expression uses it (options.floor)",
                  f + ":12:9: duplicate rule id 'r': each rule of a pack needs its own id",
                  f + ":14:15: unknown category 'billing' (use one of arithmetic, rates, timing, credit, duplicates, "
                      "client-info, services, payments, guidelines, data)",
                  f + ":12:9: rule 'r' has no message: its findings will read only its title"));
  // Duplicate ids and unknown categories stop the pack loading; the rest do not.
  EXPECT_THAT(load_errors(p), HasSubstr("duplicate rule id 'r'"));

  auto clean = write_pack("clean", std::string(kRuleHead) + "    when: line.rate > 1\n    message: m\n");
  EXPECT_TRUE(lint_pack(clean).problems.empty());
  EXPECT_TRUE(lint_pack(clean).errors.empty());
}

// A pack rule with the id of a plugin's rule (a pack named after the plugin)
// stops the check and fails lint, at its `id:`, saying what to rename: the
// check refused it without a location, and lint passed it.
TEST_F(Packs, ARuleIdAPluginHasIsLocatedAndFailsLint) {
  auto p = write_pack("clash",
                      "pack: arithmetic\n"
                      "rules:\n"
                      "  - id: line-amount\n"
                      "    title: Mine\n"
                      "    category: arithmetic\n"
                      "    scope: line\n"
                      "    when: line.rate > 1\n"
                      "    message: m\n");
  const std::string error = file("clash") +
                            ":3:9: rule 'arithmetic.line-amount' from pack arithmetic is already defined by plugin "
                            "arithmetic; rename this rule (its id: here) or its pack (a pack's rule ids start with its "
                            "name), as rule ids must be unique";
  test::write_file(dir / "billcheck.yaml", "packs: [clash]\n");
  auto r = test::run_billcheck("check examples/firm -c '" + (dir / "billcheck.yaml").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, StartsWith(error + "\n"));

  EXPECT_THAT(lint_pack(p, LintBasis()).errors, ElementsAre(error));
  EXPECT_THAT(lint_pack(p).errors, IsEmpty());  // no plugins to compare with
  r = test::run_billcheck("lint '" + p.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, error + "\n");
  EXPECT_EQ(r.out, "1 pack, 0 problems, 1 not loaded\n");
  // A config that disables the plugin lets the pack's rule be.
  test::write_file(dir / "no-arithmetic.yaml", "plugins: {disable: [arithmetic]}\n");
  r = test::run_billcheck("lint '" + p.string() + "' -c '" + (dir / "no-arithmetic.yaml").string() + "'");
  EXPECT_EQ(r.status, 0) << r.err;
}

// A `use:` of a rule nobody has, or of an option its rule does not take:
// check refuses the pack, and lint must say the same, located the same, and exit 2.
TEST_F(Packs, LintRefusesAUseOfAnUnknownRuleOrOptionAsCheckDoes) {
  auto p = write_pack("uses", std::string(kRuleHead) +
                                  "    when: line.rate > options.cap\n    message: m\n"
                                  "    options: {cap: {type: decimal, default: 1}}\n"
                                  "  - use: arithmetic.line-amont\n"
                                  "  - use: arithmetic.line-amount\n"
                                  "    options: {tolerence: 0.01}\n"
                                  "  - use: t.r\n"
                                  "    options: {cap: lots}\n");
  const std::string f = file("uses");
  test::write_file(dir / "billcheck.yaml", "packs: [uses]\n");
  auto check = test::run_billcheck("check examples/firm -c '" + (dir / "billcheck.yaml").string() + "'");
  EXPECT_EQ(check.status, 2);
  auto lint = test::run_billcheck("lint '" + p.string() + "'");
  EXPECT_EQ(lint.status, 2) << lint.out << lint.err;
  EXPECT_EQ(lint.out, "1 pack, 0 problems, 1 not loaded\n");
  for (const std::string& error :
       {f + ":10:10: unknown rule 'arithmetic.line-amont' (run `billcheck rules` to list the rules; is its plugin, "
            "pack or Python file loaded?)",
        f + ":12:26: rule 'arithmetic.line-amount' has no option 'tolerence' (its options: tolerance)",
        f + ":14:20: rule 't.r' option 'cap': expected a decimal number, got 'lots' (not a decimal number)"}) {
    EXPECT_THAT(check.err, HasSubstr(error)) << check.err;
    EXPECT_THAT(lint.err, HasSubstr(error));
  }
}

TEST_F(Packs, LintExitStatus) {
  auto clean = write_pack("clean", std::string(kRuleHead) + "    when: line.rate > 1\n    message: m\n");
  auto unused = write_pack("unused", std::string(kRuleHead) +
                                         "    when: line.rate > 1\n    message: m\n"
                                         "    options: {cap: {type: decimal, default: 1}}\n");
  auto broken = write_pack("broken", std::string(kRuleHead) + "    when: line.rat > 1\n");
  auto r = test::run_billcheck("lint '" + clean.string() + "'");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "1 pack, 0 problems\n");
  r = test::run_billcheck("lint '" + unused.string() + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr("option 'cap' of rule 'r' is declared but no expression uses it"));
  r = test::run_billcheck("lint '" + broken.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown field 'rat' on line"));
  r = test::run_billcheck("lint rules");  // every bundled pack
  EXPECT_EQ(r.status, 0) << r.out << r.err;
}

// ---------------------------------------------------------------------------
// Pack rules in the engine.

const char* kCapPack =
    "pack: acme\n"
    "version: 1.0.0\n"
    "rules:\n"
    "  - id: partner-cap\n"
    "    title: Partner rate above the cap\n"
    "    category: rates\n"
    "    severity: error\n"
    "    scope: line\n"
    "    options:\n"
    "      cap: {type: decimal, default: 650, description: The cap}\n"
    "    when: line.timekeeper.role == 'partner' && line.rate > options.cap\n"
    "    message: \"{line.timekeeper.name} billed at {line.rate}, above the {options.cap} cap\"\n"
    "    at_stake: (line.rate - options.cap) * line.quantity\n"
    "    evidence: {cap: \"650.00\", billed: line.rate}\n";

class PackRules : public Packs {
 protected:
  Book book{sample_data()};

  Report run(const std::string& config_yaml) {
    Config c =
        parse_config("packs: ['" + (dir / "acme").string() + "']\n" + config_yaml, (dir / "billcheck.yaml").string());
    Engine engine(c);
    CheckOptions o;
    o.jobs = 1;
    return engine.check(book, o);
  }
  static std::vector<std::string> of(const Report& r, const std::string& rule) {
    std::vector<std::string> out;
    for (const auto& f : r.findings)
      if (f.rule == rule)
        out.push_back(f.invoice + "#" + f.line + " " + std::string(to_string(f.severity)) +
                      (f.amount_at_stake ? " " + f.amount_at_stake->to_string() : ""));
    return out;
  }
  void SetUp() override { write_pack("acme", kCapPack); }
};

TEST_F(PackRules, APackRuleReportsLikeAnyOther) {
  Report r = run("");
  auto found = of(r, "acme.partner-cap");
  EXPECT_THAT(found, ElementsAre("INV-1#1 error 125"));
  const Finding* f = nullptr;
  for (const auto& x : r.findings)
    if (x.rule == "acme.partner-cap") f = &x;
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->message, "Pat Quinlan billed at 700.00, above the 650 cap");
  EXPECT_EQ(f->category, "rates");
  EXPECT_EQ(f->client, "C1");
  EXPECT_EQ(f->currency, "USD");
  EXPECT_THAT(f->evidence, ElementsAre(std::pair<std::string, std::string>{"cap", "650.00"},
                                       std::pair<std::string, std::string>{"billed", "700.00"}));
}

TEST_F(PackRules, AppearsInTheRuleListWithItsOptions) {
  Config c;
  c.packs.push_back(dir / "acme");
  Engine engine(c);
  const RuleInfo* info = engine.find_rule("acme.partner-cap");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->title, "Partner rate above the cap");
  EXPECT_EQ(info->scope, Scope::line);
  EXPECT_THAT(info->origin, HasSubstr("pack acme"));
  ASSERT_EQ(info->options.size(), 1u);
  EXPECT_EQ(info->options[0].name, "cap");
  EXPECT_EQ(info->options[0].default_text, "650");
}

TEST_F(PackRules, SeverityOptionsOffAndPerClientComeFromBillcheckYaml) {
  EXPECT_THAT(of(run("rules:\n  acme.partner-cap: warning\n"), "acme.partner-cap"), ElementsAre("INV-1#1 warning 125"));
  EXPECT_THAT(of(run("rules:\n  acme.partner-cap: {options: {cap: 680}}\n"), "acme.partner-cap"),
              ElementsAre("INV-1#1 error 50"));
  EXPECT_THAT(of(run("rules:\n  acme.partner-cap: {options: {cap: 700}}\n"), "acme.partner-cap"), ElementsAre());
  EXPECT_THAT(of(run("rules:\n  acme.partner-cap: off\n"), "acme.partner-cap"), ElementsAre());
  // Per client: Zürich AG's partner line at 100.00 is over a cap of 50 for that client only.
  EXPECT_THAT(of(run("clients:\n  C2:\n    rules:\n      acme.partner-cap: {severity: info, options: {cap: 50}}\n"),
                 "acme.partner-cap"),
              ElementsAre("INV-1#1 error 125", "INV-2#1 info 50"));
  EXPECT_THAT(of(run("clients:\n  C1:\n    rules:\n      acme.partner-cap: off\n"), "acme.partner-cap"), ElementsAre());
  // A wrong option is refused with the config's location.
  try {
    run("rules:\n  acme.partner-cap: {options: {cap: lots}}\n");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("rule 'acme.partner-cap' option 'cap'"));
  }
}

TEST_F(PackRules, UseEntriesConfigureOtherRules) {
  write_pack("acme", std::string(kCapPack) +
                         "  - use: arithmetic.line-amount\n"
                         "    severity: warning\n"
                         "    options: {tolerance: 0.05}\n");
  auto loaded = detail::load_pack(dir / "acme");
  ASSERT_EQ(loaded.uses.count("arithmetic.line-amount"), 1u);
  const RuleSettings& s = loaded.uses.at("arithmetic.line-amount");
  EXPECT_EQ(s.severity, Severity::warning);
  EXPECT_EQ(s.where.to_string(), file("acme") + ":15:10");
  ASSERT_EQ(s.options.count("tolerance"), 1u);
  EXPECT_EQ(std::get<std::string>(s.options.at("tolerance").value), "0.05");

  // In the engine: the pack's setting applies unless billcheck.yaml sets the rule itself.
  BookData d = sample_data();
  d.lines[1].amount = dec("121");  // 1 x 120 billed as 121
  book = Book(std::move(d));
  EXPECT_THAT(of(run(""), "arithmetic.line-amount"), ElementsAre("INV-1#2 warning 1"));
  EXPECT_THAT(of(run("rules:\n  arithmetic.line-amount: error\n"), "arithmetic.line-amount"),
              ElementsAre("INV-1#2 error 1"));

  write_pack("acme", std::string(kCapPack) + "  - use: nosuch.rule\n    severity: warning\n");
  try {
    run("");
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr(file("acme") + ":15:10: unknown rule 'nosuch.rule'"));
  }
}

TEST_F(PackRules, EveryScopeRuns) {
  write_pack(
      "scopes",
      "pack: scopes\n"
      "rules:\n"
      "  - {id: inv, title: I, category: data, scope: invoice, when: \"!has(invoice.engagement)\", message: "
      "\"{invoice.id}\"}\n"
      "  - {id: cli, title: C, category: data, scope: client, when: \"client.currency == 'EUR'\", message: "
      "\"{client.name}\"}\n"
      "  - {id: pay, title: P, category: data, scope: payment, when: payment.amount > 0, message: \"{payment.id}\"}\n"
      "  - {id: cn, title: N, category: data, scope: credit_note, when: \"!has(credit_note.approved_by)\", message: "
      "n}\n");
  BookData d = sample_data();
  Payment p;
  p.id = test::text("P1");
  p.client_id = test::text("C1");
  p.invoice_id = test::text("INV-1");
  p.date = day("2026-02-20");
  p.amount = dec("100");
  p.currency = test::text("USD");
  d.payments.push_back(p);
  CreditNote n;
  n.id = test::text("N1");
  n.client_id = test::text("C1");
  n.date = day("2026-02-21");
  n.amount = dec("10");
  d.credit_notes.push_back(n);
  Book b(std::move(d));
  Config c;
  c.packs.push_back(dir / "scopes");
  Engine engine(c);
  Report r = engine.check(b);
  std::vector<std::string> got;
  for (const auto& f : r.findings)
    if (f.rule.starts_with("scopes.")) got.push_back(f.rule + ":" + f.message);
  EXPECT_THAT(got, UnorderedElementsAre("scopes.inv:INV-2", "scopes.cli:Zürich AG", "scopes.pay:P1", "scopes.cn:n"));
}

TEST(PackDocs, TheReferenceNamesEveryFieldAndFunction) {
  const std::string doc = test::slurp(test::source_dir() / "docs" / "packs.md");
  using expr::Rec;
  for (Rec r : {Rec::line, Rec::invoice, Rec::client, Rec::payment, Rec::credit_note, Rec::timekeeper, Rec::engagement,
                Rec::time_entry, Rec::rate})
    for (const auto& f : expr::fields_of(r))
      if (!f.column) {  // the columns are in docs/book-format.md, generated from the schema
        EXPECT_THAT(doc, HasSubstr("`" + std::string(f.name) + "`")) << to_string(r) << "." << f.name;
      }
  for (const char* fn : {"has",  "size",  "contains", "startsWith", "endsWith",     "matches", "lower", "upper",
                         "abs",  "round", "min",      "max",        "days_between", "weekday", "month", "year",
                         "date", "all",   "exists",   "filter",     "map",          "count",   "sum"})
    EXPECT_THAT(doc, HasSubstr(std::string(fn) + "(")) << fn;
}

TEST_F(Packs, ABadOptionDefaultIsOneErrorNotThreeAndTheRestIsStillChecked) {
  auto p = write_pack("default",
                      "pack: t\n"
                      "rules:\n"
                      "  - id: r\n"
                      "    title: T\n"
                      "    category: rates\n"
                      "    scope: line\n"
                      "    options:\n"
                      "      cap: {type: decimal, default: lots}\n"
                      "    when: line.rate > options.cap\n"
                      "    message: \"{line.rate} is over {options.cap}\"\n"
                      "    at_stake: line.rat\n");
  PackLint lint = lint_pack(p);
  EXPECT_THAT(lint.errors,
              ElementsAre(file("default") + ":8:37: the default of option 'cap' is not of type decimal: expected a decimal "
                                            "number, got 'lots' (not a decimal number)",
                          HasSubstr(file("default") + ":11:20: unknown field 'rat' on line")));
}

TEST_F(Packs, AnIndentationErrorSaysSo) {
  auto p = write_pack("indent",
                      "pack: t\n"
                      "rules:\n"
                      "  - id: r\n"
                      "    title: T\n"
                      "     category: rates\n");
  EXPECT_THAT(load_errors(p), HasSubstr(file("indent") + ":5:14: YAML syntax error: bad indentation"));
}

TEST_F(Packs, AKeyWrittenTwiceAndAMisspelledBooleanAreErrors) {
  auto p = write_pack("twice", std::string(kRuleHead) +
                                   "    when: line.rate > 1\n"
                                   "    message: m\n"
                                   "    when: line.rate > 2\n"
                                   "  - use: arithmetic.line-amount\n"
                                   "    enabled: flase\n"
                                   "enabled: Yes\n");
  EXPECT_EQ(load_errors(p),
            file("twice") + ":9:5: 'when' is written twice in this mapping (first on line 7); only one can count, so "
                            "merge them\n" +
                file("twice") + ":12:10: enabled must be true or false, not 'Yes'\n" + file("twice") +
                ":11:14: enabled must be true or false, not 'flase' (did you mean 'false'?)");
}

TEST_F(Packs, ExpectYamlIsReadByTheSameReader) {
  // A misspelled key was silently ignored, so its fixture checked nothing.
  auto p = write_pack("fx", std::string(kRuleHead) + "    when: line.rate > 1\n    message: m\n");
  test::write_file(p / "expect.yaml",
                   "fixtures:\n"
                   "  - book: book\n"
                   "    not_flaged:\n"
                   "      - {rule: t.r, invoce: INV-1}\n");
  auto r = test::run_billcheck("test '" + p.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr((p / "expect.yaml").string() +
                               ":3:5: unknown key 'not_flaged' in a fixture (did you mean 'not_flagged'?)"));
}

// A folder without fixtures is named, and nothing else is said: it is not a
// configuration that was refused.
TEST(PackFixtures, AFolderWithoutExpectYamlIsNamedAsSuch) {
  const auto dir = test::temp_dir("pack-fixture-none");
  const auto r = test::run_billcheck("test '" + dir.string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "billcheck: " + dir.string() + ": no expect.yaml found (fixtures are described in DIR/expect.yaml)\n");
  EXPECT_EQ(r.out, "");
}

// A fixture passes only on what the rule found: a rule that failed on the book
// (an `internal` finding carries its keys) fails it, and so does an entry
// naming a rule there is not (a typo made not_flagged pass whatever happened).
TEST(PackFixtures, ARuleThatFailedOrARuleThereIsNotFailsTheFixture) {
  const auto dir = test::temp_dir("pack-fixture-honest");
  const auto example = test::source_dir() / "rules" / "firm-policy-example";
  std::filesystem::create_directories(dir / "fx");
  std::filesystem::copy(example / "fixtures", dir / "fx" / "fixtures", std::filesystem::copy_options::recursive);
  test::write_file(dir / "fx" / "pack.yaml",
                   "pack: ovf\nrules:\n  - id: big\n    title: T\n    category: rates\n    scope: line\n"
                   "    when: line.rate * 100000000000 > 0\n    message: m\n");
  test::write_file(dir / "fx" / "expect.yaml",
                   "fixtures:\n  - book: fixtures/policy\n    expect:\n      - {rule: ovf.big, invoice: INV-1, line: 2}\n"
                   "    not_flagged:\n      - {rule: ovf.bigg, invoice: INV-1, line: 1}\n");
  const auto r = test::run_billcheck("test '" + (dir / "fx").string() + "'");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.out, HasSubstr(": a rule failed during the check: Rule ovf.big could not check line 1 of invoice "
                               "INV-1: its figures are too large to work out exactly"));
  EXPECT_THAT(r.out, HasSubstr("should be flagged: rule=ovf.big invoice=INV-1 line=2"));
  EXPECT_THAT(r.out, HasSubstr("expect.yaml:6: no rule 'ovf.bigg' (`billcheck rules` lists them; a typo?)"));
  EXPECT_THAT(r.out, HasSubstr("0 passed,"));
}

// Quantifiers nested 15 deep (within the limits) walk lines^15 elements: each
// record stops at kMaxSteps with the rule's failure, and the check ends.
TEST(PackLimits, NestedQuantifiersStopAtTheStepLimitNotHangTheHost) {
  const auto dir = test::temp_dir("pack-steps");
  std::string when = "v0.amount < 0";
  for (int k = 0; k < 15; ++k) when = "invoice.lines.exists(v" + std::to_string(k) + ", " + when + ")";
  test::write_file(dir / "slow" / "pack.yaml", "pack: slow\nrules:\n  - id: q\n    title: Nested\n    category: data\n"
                                               "    scope: invoice\n    when: \"" + when + "\"\n    message: m\n");
  test::write_file(dir / "billcheck.yaml", "packs: ['" + (dir / "slow").string() + "']\n");
  const auto started = std::chrono::steady_clock::now();
  const auto r = test::run_billcheck("check examples/firm --format json -c '" + (dir / "billcheck.yaml").string() + "'");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.out, HasSubstr("Rule slow.q failed on invoice NW-2025-05 and was skipped for it: its expression walked "
                               "more than 4000000 elements for one record (exists, all, filter or map nested over "
                               "large lists); narrow the lists it walks."));
}

// ---------------------------------------------------------------------------
// Bundled packs (defect 1: the example pack ran on every book).

bool any_of_pack(const Report& r, const std::string& pack) {
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [&](const Finding& f) { return f.rule.starts_with(pack + "."); });
}

TEST(BundledPacks, TheExamplePackIsOffUntilTheConfigTurnsItOn) {
  Book book(sample_data());  // Pat Quinlan, a partner, bills 700.00
  Engine engine;
  EXPECT_EQ(engine.find_rule("firm-policy-example.partner-cap"), nullptr);
  EXPECT_FALSE(any_of_pack(engine.check(book), "firm-policy-example"));

  Engine on(parse_config("packs:\n  enable: [firm-policy-example]\n", "billcheck.yaml"));
  const RuleInfo* info = on.find_rule("firm-policy-example.partner-cap");
  ASSERT_NE(info, nullptr);
  EXPECT_THAT(info->origin, HasSubstr("pack firm-policy-example"));
  for (const char* id : {"weekend-work", "travel-half-rate", "tenth-hour", "po-number", "expense-receipt"})
    EXPECT_NE(on.find_rule(std::string("firm-policy-example.") + id), nullptr) << id;
  EXPECT_TRUE(any_of_pack(on.check(book), "firm-policy-example"));
}

TEST(BundledPacks, SettingARuleOfAnOffPackSaysHowToTurnItOn) {
  try {
    Engine engine(parse_config("rules:\n  firm-policy-example.partner-cap: {options: {cap: 700}}\n", "billcheck.yaml"));
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.messages(),
                ElementsAre("billcheck.yaml:2:3: rule 'firm-policy-example.partner-cap' is not running: its pack "
                            "'firm-policy-example' is off (it is an example, off until the config turns it on: "
                            "packs: {enable: [firm-policy-example]})"));
  }
}

TEST(BundledPacks, APackIsDisabledByName) {
  // A listed copy of the example would run; packs.disable turns it off by name.
  auto dir = test::temp_dir("pack-disable");
  std::filesystem::copy(test::source_dir() / "rules" / "firm-policy-example", dir / "copy",
                        std::filesystem::copy_options::recursive);
  Config c = parse_config("packs:\n  paths: [copy]\n", (dir / "billcheck.yaml").string());
  EXPECT_NE(Engine(c).find_rule("firm-policy-example.partner-cap"), nullptr);
  c = parse_config("packs:\n  paths: [copy]\n  disable: [firm-policy-example]\n", (dir / "billcheck.yaml").string());
  EXPECT_EQ(Engine(c).find_rule("firm-policy-example.partner-cap"), nullptr);
  std::filesystem::remove_all(dir);
}

TEST(BundledPacks, TheLedesStandardSampleGetsNoExamplePolicyWarning) {
  const std::string sample = "tests/data/ledes/sample/ledes98b-standard-sample.txt";
  auto r = test::run_billcheck("check " + sample + " --format json");
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("firm-policy-example")));
}

}  // namespace
}  // namespace billcheck
