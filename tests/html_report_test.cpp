// billcheck check --format html: one self-contained page. What a browser does
// with it is tested by tests/browser/html_report.mjs (ctest html.chromium.*);
// these tests read the bytes.
#include "test_support.hpp"

#include "digest/sha256.hpp"

#include <billcheck/report.hpp>

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace billcheck {
namespace {

using test::run_billcheck;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

std::string between(const std::string& text, const std::string& open, const std::string& close) {
  const std::size_t b = text.find(open);
  if (b == std::string::npos) return {};
  const std::size_t e = text.find(close, b + open.size());
  return text.substr(b + open.size(), e - b - open.size());
}

// The CSP source of a text, computed independently of the writer: base64 of
// the SHA-256 bytes.
std::string csp_source(const std::string& text) {
  const std::string hex = detail::sha256_hex(text);
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2) bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 | (unsigned char)bytes[i + 2];
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  // 32 bytes: two left over.
  unsigned v = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
  out += kAlphabet[(v >> 18) & 63];
  out += kAlphabet[(v >> 12) & 63];
  out += kAlphabet[(v >> 6) & 63];
  return "sha256-" + out + "=";
}

TEST(HtmlReport, ExampleFirmPageIsSelfContainedUnderItsPolicy) {
  auto dir = test::temp_dir("html");
  auto r = run_billcheck("check examples/firm --format html -o " + test::shell_quoted(dir / "report.html"));
  EXPECT_EQ(r.status, 1) << r.err;  // findings
  const std::string page = test::slurp(dir / "report.html");
  ASSERT_FALSE(page.empty());

  // The policy allows exactly the inline style and script the page carries.
  const std::string style = between(page, "<style>", "</style>");
  const std::string script = between(page, "<script>", "</script>");
  ASSERT_FALSE(style.empty());
  ASSERT_FALSE(script.empty());
  EXPECT_NE(page.find("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '" +
                      csp_source(style) + "'; script-src '" + csp_source(script) + "'"),
            std::string::npos);
  EXPECT_EQ(count(page, "<style"), 1u);
  EXPECT_EQ(count(page, "<script"), 1u);
  // Nothing is fetched: no address, no external resource, no font.
  for (const char* external : {"http://", "https://", "src=", "@import", "url(", "@font-face", "style=\""})
    EXPECT_EQ(page.find(external), std::string::npos) << external;

  // At a glance: the summary's figures, per currency in its minor units.
  EXPECT_NE(page.find("<dt>Invoices checked</dt><dd>14</dd>"), std::string::npos);
  EXPECT_NE(page.find("<dt>Lines checked</dt><dd>66</dd>"), std::string::npos);
  EXPECT_NE(page.find("<dt>Errors</dt><dd>12</dd>"), std::string::npos);
  EXPECT_NE(page.find("<tr><th scope=\"row\">JPY</th><td class=\"num\">142500</td><td class=\"num\">0</td>"),
            std::string::npos);
  EXPECT_NE(page.find("<tr><th scope=\"row\">GBP</th><td class=\"num\">100.00</td><td class=\"num\">0.00</td><td "
                      "class=\"num\">715.20</td><td class=\"num\">815.20</td></tr>"),
            std::string::npos);

  // Charts: each an SVG image with a title and a description, and its figures as a table.
  EXPECT_EQ(count(page, "<figure class=\"chart\""), count(page, "<svg "));
  EXPECT_EQ(count(page, "<svg "), count(page, "</svg>"));
  EXPECT_EQ(count(page, "role=\"img\""), count(page, "<svg "));
  EXPECT_GE(count(page, "<svg "), 5u);
  for (const char* chart : {"At stake by category (EUR)", "At stake by client (USD)", "At stake by timekeeper, top 10 (JPY)",
                            "At stake by invoice month (GBP)", "Findings by rule"})
    EXPECT_NE(page.find("<figcaption>" + std::string(chart) + "</figcaption>"), std::string::npos) << chart;
  EXPECT_NE(page.find("<desc id=\"chart-EUR-category-d\">payments EUR 5093.20; credit EUR 300.00; rates EUR 130.00; "
                      "arithmetic EUR 64.04</desc>"),
            std::string::npos);

  // Every table has a caption; the findings table has a row per finding, and
  // each row's invoice link leads to that invoice's section.
  EXPECT_EQ(count(page, "<table"), count(page, "<caption"));
  EXPECT_EQ(count(page, "<tr id=\"f-"), 15u);
  const std::regex link("href=\"#(inv-[0-9]+)\"");
  std::size_t links = 0;
  for (auto it = std::sregex_iterator(page.begin(), page.end(), link); it != std::sregex_iterator(); ++it, ++links)
    EXPECT_NE(page.find("<section id=\"" + (*it)[1].str() + "\""), std::string::npos) << (*it)[1];
  EXPECT_GE(links, 10u);
  EXPECT_GE(count(page, "<tr class=\"flagged\">"), 1u);
  EXPECT_NE(page.find("<td>plugin</td><td>arithmetic</td>"), std::string::npos);
  EXPECT_NE(page.find("<td>pack</td><td>firm-policy-example</td>"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(HtmlReport, HostileTextInTheBookIsEscapedInHtmlAndSvg) {
  auto dir = test::temp_dir("html");
  auto r = run_billcheck("check tests/data/html/hostile --format html -o " + test::shell_quoted(dir / "report.html"));
  EXPECT_EQ(r.status, 1) << r.err;
  const std::string page = test::slurp(dir / "report.html");
  ASSERT_FALSE(page.empty());

  // The page's own script and SVGs only: nothing the book wrote opens or closes an element.
  EXPECT_EQ(count(page, "<script"), 1u);
  EXPECT_EQ(count(page, "<style"), 1u);
  EXPECT_EQ(count(page, "<svg "), count(page, "</svg>"));
  EXPECT_EQ(count(page, "</title>"), count(page, "<title"));
  for (const char* raw : {"<img", "onerror=\"", "window.__pwned=1<", "<b>", "<i>", "<svg onload", "</td></tr></table>\n<"})
    EXPECT_EQ(page.find(raw), std::string::npos) << raw;

  // The client's name, escaped in the table, the filter, and the chart's SVG.
  const std::string name = "Evil &quot;Corp&quot; &lt;script&gt;window.__pwned=1&lt;/script&gt;&lt;/svg&gt;&apos;s &amp; Co";
  EXPECT_NE(page.find("<td>" + name + " (C&quot;1&lt;b&gt;)</td>"), std::string::npos);
  EXPECT_NE(page.find("<option value=\"C&quot;1&lt;b&gt;\">" + name), std::string::npos);
  EXPECT_NE(page.find("<title>" + name + " (C&quot;1&lt;b&gt;)</title>"), std::string::npos);  // the bar's label
  EXPECT_NE(page.find("data-client=\"C&quot;1&lt;b&gt;\""), std::string::npos);
  // The timekeeper's name inside an SVG <text>; the line's description; the invoice id in a link.
  EXPECT_NE(page.find("&lt;/svg&gt;&lt;script&gt;window.__pwned=2&lt;/script&gt; (TK&quot;1)</title>"),
            std::string::npos);
  EXPECT_NE(page.find("<td>&lt;img src=x onerror=&quot;window.__pwned=3&quot;&gt; &lt;/title&gt;&lt;/text&gt;&lt;/svg&gt;"),
            std::string::npos);
  EXPECT_NE(page.find(">INV&quot;&lt;i&gt;1</a>"), std::string::npos);
  // The waiver's reason and approver.
  EXPECT_NE(page.find("<td>&lt;script&gt;window.__pwned=5&lt;/script&gt; &quot;approved&quot;</td><td>O&apos;Brien "
                      "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</td>"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(HtmlReport, LargeReportsCapTheTableAndSaySo) {
  auto dir = test::temp_dir("html");
  auto r = run_billcheck("check examples/firm --format html --max-rows 3 -o " + test::shell_quoted(dir / "capped.html"));
  EXPECT_EQ(r.status, 1) << r.err;
  const std::string page = test::slurp(dir / "capped.html");
  EXPECT_EQ(count(page, "<tr id=\"f-"), 3u);
  EXPECT_NE(page.find("This table shows the first 3 of 15 findings"), std::string::npos);
  EXPECT_NE(page.find("<caption id=\"findings-cap\">Findings, the first 3 of 15"), std::string::npos);
  // The totals and charts still count every finding.
  EXPECT_NE(page.find("<dt>Errors</dt><dd>12</dd>"), std::string::npos);
  EXPECT_NE(page.find("timing.late-invoice 1"), std::string::npos);
  // Only the invoices the shown rows name have a section.
  EXPECT_LE(count(page, "<section id=\"inv-"), 3u);

  r = run_billcheck("check examples/firm --format html --max-rows 0 -o " + test::shell_quoted(dir / "all.html"));
  const std::string all = test::slurp(dir / "all.html");
  EXPECT_EQ(count(all, "<tr id=\"f-"), 15u);
  EXPECT_EQ(all.find("This table shows the first"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(HtmlReport, EachCauseIsListedOnceWithItsMembersTotalAndAction) {
  auto dir = test::temp_dir("html");
  auto r = run_billcheck("check tests/data/causes/book --format html --max-rows 5 -o " +
                         test::shell_quoted(dir / "report.html"));
  EXPECT_EQ(r.status, 1) << r.err;
  const std::string page = test::slurp(dir / "report.html");
  EXPECT_NE(page.find("<li><a href=\"#causes\">Causes</a></li>"), std::string::npos);
  EXPECT_EQ(count(page, "rate card row E-201 rates.csv:4"), 1u);
  EXPECT_NE(page.find("<td>rate card row E-201 rates.csv:4<br><code>rates.contract-rate</code></td><td>apply the "
                      "2025-03-01 associate rate of 380.00 on engagement E-201 (rates.csv:4)</td><td "
                      "class=\"num\">14</td><td class=\"num\">EUR 650.00</td>"),
            std::string::npos);
  // Members in the table link to their rows; the others are named.
  EXPECT_NE(page.find("<a href=\"#f-1\">BM-0102 line 1</a>; "), std::string::npos);
  EXPECT_NE(page.find("; BM-0104 line 6; "), std::string::npos);
  EXPECT_NE(page.find("<td>engagement E-202<br><code>timing.late-invoice</code></td>"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(HtmlReport, MissingTemplateNamesTheFileAndWritesNothing) {
  auto dir = test::temp_dir("html");
  std::filesystem::create_directories(dir / "templates");
  auto r = run_billcheck("check examples/firm --format html --templates " + test::shell_quoted(dir / "templates") +
                         " -o " + test::shell_quoted(dir / "report.html"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find((dir / "templates" / "report.css").string() + ": cannot read the template"), std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "report.html"));
  std::filesystem::remove_all(dir);
}

// Bar lengths are exact ratios of the amounts (integer arithmetic on the
// Decimal's raw value): 3.00 and 1.00 give 330 and 110 units; an amount a
// millionth under a third of the largest rounds down, never up.
TEST(HtmlReport, BarLengthsAreExactRatiosOfTheAmounts) {
  Book book{BookData{}};
  Report report;
  auto finding = [](std::string category, std::string client, const char* amount) {
    Finding f;
    f.rule = "test.rule";
    f.category = std::move(category);
    f.client = std::move(client);
    f.message = "m";
    f.at_stake(*Decimal::parse(amount), "USD");
    return f;
  };
  report.findings = {finding("rates", "A", "3.00"), finding("arithmetic", "B", "1.00"),
                     finding("timing", "C", "0.999999")};
  std::ostringstream out;
  write_html(out, report, book);
  const std::string page = out.str();
  EXPECT_NE(page.find("<rect class=\"seg-over\" x=\"230\" y=\"9\" width=\"330\" height=\"18\"><title>rates: overcharged USD 3.00</title>"),
            std::string::npos);
  EXPECT_NE(page.find("width=\"110\" height=\"18\"><title>arithmetic: overcharged USD 1.00</title>"), std::string::npos);
  EXPECT_NE(page.find("width=\"109\" height=\"18\"><title>timing: overcharged USD 0.999999</title>"), std::string::npos);
}

}  // namespace
}  // namespace billcheck
