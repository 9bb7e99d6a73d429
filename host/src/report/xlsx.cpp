// `check --format xlsx`: a workbook for accountants, written with libxlsxwriter:
// a Findings sheet (the CSV's table, filterable, money as numbers formatted in
// their currency), a Summary sheet and a Causes sheet.
#include <billcheck/output.hpp>
#include <billcheck/report.hpp>

#include "load/encoding.hpp"
#include "report/table.hpp"

#include <xlsxwriter.h>

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>

namespace billcheck {
namespace {

namespace fs = std::filesystem;

// libxlsxwriter writes to a file by name; the workbook is built in a private
// temporary file and then copied to `out`, which write_output makes atomic.
struct TempFile {
  fs::path path;
  TempFile() {
    std::string pattern = (fs::temp_directory_path() / "billcheck-xlsx-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) throw OutputError(pattern, "cannot create a temporary file for the workbook");
    ::close(fd);
    path = pattern;
  }
  ~TempFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

// A cell's text as XML 1.0 can hold it (no control characters but tab and
// line breaks) and within Excel's 32767 characters a cell.
std::string cell_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
    out += c;
  }
  constexpr std::size_t kMax = 32767;
  encoding::cut_at_character(out, kMax);
  return out;
}

class Workbook {
 public:
  static constexpr std::time_t kCreated = 315532800;  // 1980-01-01T00:00:00Z

  explicit Workbook(const fs::path& file) : file_(file), wb_(workbook_new(file.c_str())) {
    if (!wb_) throw OutputError(file, "libxlsxwriter could not start a workbook");
    // docProps/core.xml's created and modified times: libxlsxwriter takes the
    // clock's unless told, and the same report would differ byte for byte from
    // one run to the next. A fixed time, the ZIP format's epoch (1980-01-01,
    // which libxlsxwriter already gives every file in the archive), keeps it
    // the same; when the report was made is the file's own time.
    lxw_doc_properties properties{};
    properties.created = kCreated;
    workbook_set_properties(wb_, &properties);
    bold_ = workbook_add_format(wb_);
    format_set_bold(bold_);
  }
  ~Workbook() {
    if (wb_) workbook_close(wb_);  // an error path: the temporary file is removed anyway
  }
  Workbook(const Workbook&) = delete;
  Workbook& operator=(const Workbook&) = delete;

  lxw_worksheet* sheet(const char* name) { return workbook_add_worksheet(wb_, name); }
  lxw_format* bold() const { return bold_; }

  // `#,##0.00 [$EUR]`: the currency's minor units, its code beside the figure.
  lxw_format* money(const std::string& currency) {
    auto [it, added] = money_.try_emplace(currency, nullptr);
    if (added) {
      const int places = currency.empty() ? 2 : minor_units(currency);
      std::string pattern = places > 0 ? "#,##0." + std::string(static_cast<std::size_t>(places), '0') : "#,##0";
      if (!currency.empty()) pattern += " [$" + currency + "]";
      it->second = workbook_add_format(wb_);
      format_set_num_format(it->second, pattern.c_str());
    }
    return it->second;
  }

  void close() {
    const lxw_error error = workbook_close(wb_);
    wb_ = nullptr;
    if (error != LXW_NO_ERROR) throw OutputError(file_, lxw_strerror(error));
  }

 private:
  fs::path file_;
  lxw_workbook* wb_;
  lxw_format* bold_ = nullptr;
  std::map<std::string, lxw_format*> money_;
};

void text(lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, std::string_view value, lxw_format* format = nullptr) {
  if (value.empty()) return;
  worksheet_write_string(ws, row, col, cell_text(value).c_str(), format);
}

// Money as a number a spreadsheet can add up. An XLSX number is an IEEE
// double, so the exact decimal's final text (already rounded to the
// currency's minor units) is converted once, here, and never computed with:
// every amount billcheck holds (up to 15 significant digits) reads back as the
// same text. Text that is not a plain number is written as text.
void money(Workbook& wb, lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, std::string_view amount,
           const std::string& currency) {
  if (amount.empty()) return;
  double value = 0;
  const auto [end, ec] = std::from_chars(amount.data(), amount.data() + amount.size(), value);
  if (ec != std::errc{} || end != amount.data() + amount.size()) return text(ws, row, col, amount);
  worksheet_write_number(ws, row, col, value, wb.money(currency));
}

void money(Workbook& wb, lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, Decimal amount, const std::string& currency) {
  money(wb, ws, row, col, format_amount(amount, currency), currency);
}

void count(lxw_worksheet* ws, lxw_row_t row, lxw_col_t col, std::size_t n) {
  worksheet_write_number(ws, row, col, static_cast<double>(n), nullptr);
}

void header(Workbook& wb, lxw_worksheet* ws, lxw_row_t row, std::initializer_list<std::string_view> names) {
  lxw_col_t col = 0;
  for (auto name : names) text(ws, row, col++, name, wb.bold());
}

void findings_sheet(Workbook& wb, const Report& report) {
  lxw_worksheet* ws = wb.sheet("Findings");
  const detail::FindingTable table(report);
  for (std::size_t c = 0; c < table.columns.size(); ++c)
    text(ws, 0, static_cast<lxw_col_t>(c), table.columns[c], wb.bold());
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    const auto at = static_cast<lxw_row_t>(r + 1);
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c == table.amount_column)
        money(wb, ws, at, static_cast<lxw_col_t>(c), row[c], row[table.currency_column]);
      else
        text(ws, at, static_cast<lxw_col_t>(c), row[c]);  // string cells: never run as a formula
    }
  }
  const auto last_col = static_cast<lxw_col_t>(table.columns.size() - 1);
  worksheet_autofilter(ws, 0, 0, static_cast<lxw_row_t>(table.rows.size()), last_col);
  worksheet_freeze_panes(ws, 1, 0);
  worksheet_set_column(ws, 3, 3, 80, nullptr);  // the message
}

void summary_sheet(Workbook& wb, const Report& report) {
  lxw_worksheet* ws = wb.sheet("Summary");
  const Summary& s = report.summary;
  auto severity = [&](Severity sev) {
    auto it = s.by_severity.find(sev);
    return it == s.by_severity.end() ? std::size_t{0} : it->second;
  };
  lxw_row_t row = 0;
  for (auto [name, n] : {std::pair<std::string_view, std::size_t>{"invoices", s.invoices},
                         {"lines", s.lines},
                         {"findings", report.findings.size()},
                         {"errors", severity(Severity::error)},
                         {"warnings", severity(Severity::warning)},
                         {"info", severity(Severity::info)},
                         {"waived", s.waived},
                         {"causes", report.causes.size()}}) {
    text(ws, row, 0, name, wb.bold());
    count(ws, row++, 1, n);
  }
  ++row;
  header(wb, ws, row++, {"category", "findings"});
  for (const auto& [category, n] : s.by_category) {
    text(ws, row, 0, category);
    count(ws, row++, 1, n);
  }
  ++row;
  header(wb, ws, row++, {"currency", "overcharged", "undercharged", "credit_exposure", "amount_at_stake"});
  for (const auto& [currency, net] : s.at_stake) {
    text(ws, row, 0, currency);
    lxw_col_t col = 1;
    for (const auto* figures : {&s.overcharged, &s.undercharged, &s.credit_exposure}) {
      auto it = figures->find(currency);
      money(wb, ws, row, col++, it == figures->end() ? Decimal{} : it->second, currency);
    }
    money(wb, ws, row++, col, net, currency);
  }
  for (const auto& currency : s.overflowed) {
    text(ws, row, 0, currency);
    text(ws, row++, 1, "the amounts at stake add up past the largest figure billcheck holds; see each finding");
  }
  worksheet_set_column(ws, 0, 4, 16, nullptr);
}

void causes_sheet(Workbook& wb, const Report& report) {
  lxw_worksheet* ws = wb.sheet("Causes");
  header(wb, ws, 0, {"rule", "kind", "key", "severity", "findings", "currency", "amount_at_stake", "action", "members"});
  lxw_row_t row = 1;
  for (const auto& c : report.causes) {
    std::string members;
    for (const auto& fp : c.members) members += (members.empty() ? "" : " ") + fp;
    // One row per currency the cause has money in (one row when it has none).
    std::vector<std::pair<std::string, std::optional<Decimal>>> amounts;
    for (const auto& [currency, amount] : c.at_stake) amounts.emplace_back(currency, amount);
    for (const auto& currency : c.overflowed) amounts.emplace_back(currency, std::nullopt);
    if (amounts.empty()) amounts.emplace_back("", std::nullopt);
    for (const auto& [currency, amount] : amounts) {
      text(ws, row, 0, c.rule);
      text(ws, row, 1, c.kind);
      text(ws, row, 2, c.key);
      text(ws, row, 3, to_string(c.severity));
      count(ws, row, 4, c.members.size());
      text(ws, row, 5, currency);
      if (amount) money(wb, ws, row, 6, *amount, currency);
      text(ws, row, 7, c.action);
      text(ws, row, 8, members);
      ++row;
    }
  }
  worksheet_autofilter(ws, 0, 0, row - 1, 8);
  worksheet_freeze_panes(ws, 1, 0);
  worksheet_set_column(ws, 7, 7, 80, nullptr);
}

}  // namespace

void write_xlsx(std::ostream& out, const Report& report) {
  TempFile file;
  {
    Workbook wb(file.path);
    findings_sheet(wb, report);
    summary_sheet(wb, report);
    causes_sheet(wb, report);
    wb.close();
  }
  std::ifstream in(file.path, std::ios::binary);
  if (!in) throw OutputError(file.path, "cannot read back the workbook just written");
  out << in.rdbuf();
}

}  // namespace billcheck
