// Writing a book's invoices as LEDES 1998B: one record per invoice line, each
// repeating its invoice's fields, in the format's standard field order.
#include <billcheck/convert.hpp>

#include "schema/ledes.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace billcheck {
namespace {

using namespace ledes;

/// LEDES has no quoting: a `|` or `[]` inside a text would end the field or the
/// record, and a line break is not allowed, so they are written as `/`, `[ ]` and a space.
std::string clean(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '|') {
      out += '/';
    } else if (c == '\r' || c == '\n' || c == '\t') {
      out += ' ';
    } else if (c == '[' && i + 1 < text.size() && text[i + 1] == ']') {
      out += "[ ";
    } else {
      out += c;
    }
  }
  return out;
}

std::string extra_of(const Extras& extra, std::string_view name) {
  const Text* value = extra.find(name);
  return value ? clean(*value) : std::string();
}

std::string date_text(const std::optional<Date>& date) { return date ? date->to_compact_string() : std::string(); }

std::string_view line_type(const InvoiceLine& line) {
  if (line.is_fee()) return "F";
  if (line.is_expense()) return "E";
  const Text* ledes_type = line.extra.find(kLineTypeExtra);
  return ledes_type && *ledes_type == "IE" ? "IE" : "IF";
}

using Fields = std::array<std::string, kFieldCount>;

void write_record(std::ostream& out, const Fields& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out << '|';
    out << fields[i];
  }
  out << "[]\n";
}

class LedesWriter {
 public:
  LedesWriter(std::ostream& out, const Book& book) : out_(out), book_(book) {}

  std::vector<std::string> write() {
    out_ << kFirstLine << '\n';
    Fields header;
    std::copy(kFieldNames.begin(), kFieldNames.end(), header.begin());
    write_record(out_, header);
    for (const Invoice& invoice : book_.invoices()) write_invoice(invoice);
    if (!dropped_.empty()) {
      std::string list;
      for (const auto& c : dropped_) list += (list.empty() ? "" : ", ") + c;
      notes_.push_back("LEDES 1998B has no field for " + list + ", so they were left out");
    }
    if (!currencies_.empty()) {
      std::string list;
      for (const auto& c : currencies_) list += (list.empty() ? "" : ", ") + c;
      notes_.push_back("LEDES 1998B has no currency field, and invoices in " + list +
                       " were written without theirs; read the file back with --currency or --with the clients' book");
    }
    return std::move(notes_);
  }

 private:
  void write_invoice(const Invoice& invoice) {
    // LEDES knows an invoice only by its number: a second one would merge into the first.
    if (!written_.insert(invoice.id).second) {
      notes_.push_back("invoice number " + invoice.id +
                       " appears more than once in the book; LEDES 1998B identifies invoices by number, so only the "
                       "first was written");
      return;
    }
    const auto lines = book_.lines_of(invoice);
    if (lines.empty()) {
      notes_.push_back("invoice " + invoice.id +
                       " has no lines and was left out: LEDES 1998B writes an invoice only as its lines");
      return;
    }
    if (invoice.currency != "USD") currencies_.insert(invoice.currency);
    if (invoice.is_void())
      notes_.push_back("invoice " + invoice.id + " is void; LEDES 1998B has no status, so it was written as any other");

    Fields f;
    f[kInvoiceDate] = invoice.issue_date.to_compact_string();
    f[kInvoiceNumber] = clean(invoice.id);
    f[kClientId] = clean(invoice.client_id);
    f[kLawFirmMatterId] = clean(invoice.engagement_id);
    f[kInvoiceTotal] = money(invoice.total, invoice);
    f[kBillingStartDate] = date_text(invoice.period_start);
    f[kBillingEndDate] = date_text(invoice.period_end);
    f[kInvoiceDescription] = extra_of(invoice.extra, kInvoiceDescriptionExtra);
    f[kLawFirmId] = extra_of(invoice.extra, kLawFirmIdExtra);
    f[kClientMatterId] = extra_of(invoice.extra, kClientMatterIdExtra);
    for (const auto& [name, value] : invoice.extra.values)
      if (name != kInvoiceDescriptionExtra && name != kLawFirmIdExtra && name != kClientMatterIdExtra)
        dropped_.insert("invoices' " + std::string(name));

    std::int32_t last_line_no = 0;
    for (const InvoiceLine& line : lines) {
      write_line(f, line, invoice);
      last_line_no = std::max(last_line_no, line.line_no);
    }
    // LEDES 1998B has no invoice-level discount or tax: each becomes an
    // invoice-level fee adjustment, so that the lines still add up to the total.
    const std::pair<std::optional<Decimal>, const char*> additions[] = {
        {invoice.discount ? std::optional<Decimal>(-*invoice.discount) : std::nullopt, "Discount"},
        {invoice.tax, "Tax"}};
    for (const auto& [amount, what] : additions) {
      if (!amount || amount->is_zero()) continue;
      write_adjustment(f, ++last_line_no, *amount, what, invoice);
      notes_.push_back("invoice " + invoice.id + ": its " + ledes::lower(what) + " of " + money(amount->abs(), invoice) +
                       " was written as IF line " + std::to_string(last_line_no) +
                       " (LEDES 1998B has no invoice " + ledes::lower(what) + " field)");
    }
  }

  void write_line(Fields& f, const InvoiceLine& line, const Invoice& invoice) {
    if (!line.entry_id.empty()) dropped_.insert("lines' entry_id");
    // An adjustment's LEDES type (IF or IE) is written as its EXP/FEE/INV_ADJ_TYPE, so it is not lost.
    const bool type_written = !line.is_fee() && !line.is_expense();
    for (const auto& [name, value] : line.extra.values)
      if (!(type_written && name == kLineTypeExtra)) dropped_.insert("lines' " + std::string(name));
    f[kLineItemNumber] = std::to_string(line.line_no);
    f[kLineType] = line_type(line);
    // An invoice-level adjustment has no unit cost (nor, often, units); LEDES leaves them empty.
    const bool bare_adjustment = !line.is_fee() && !line.is_expense() && line.rate.is_zero();
    f[kUnits] = bare_adjustment && line.quantity.is_zero() ? std::string() : line.quantity.to_string();
    f[kAdjustment] = money(line.adjustment.value_or(Decimal{}), invoice);
    f[kLineTotal] = money(line.amount, invoice);
    f[kLineDate] = date_text(line.date);
    f[kTaskCode] = clean(line.task_code);
    f[kExpenseCode] = clean(line.expense_code);
    f[kActivityCode] = clean(line.activity_code);
    f[kTimekeeperId] = clean(line.timekeeper_id);
    f[kLineDescription] = clean(line.description);
    f[kUnitCost] = bare_adjustment ? std::string() : money(line.rate, invoice);
    f[kTimekeeperName].clear();
    f[kTimekeeperClassification].clear();
    if (!line.timekeeper_id.empty()) {
      if (const Timekeeper* tk = book_.timekeeper(line.timekeeper_id)) {
        f[kTimekeeperName] = clean(tk->name);
        const Text* code = tk->extra.find(kClassificationExtra);
        f[kTimekeeperClassification] = code ? clean(*code) : std::string(classification_of(tk->role));
      } else {
        // LEDES requires both for a line with a timekeeper.
        f[kTimekeeperName] = clean(line.timekeeper_id);
        f[kTimekeeperClassification] = "OTHER";
        if (unknown_timekeepers_.insert(line.timekeeper_id).second)
          notes_.push_back("timekeeper " + line.timekeeper_id +
                           " is not in the book; their id was written as TIMEKEEPER_NAME and OTHER as the classification");
      }
    }
    write_record(out_, f);
  }

  void write_adjustment(Fields& f, std::int64_t line_no, Decimal amount, const char* what, const Invoice& invoice) {
    f[kLineItemNumber] = std::to_string(line_no);
    f[kLineType] = "IF";
    f[kUnits].clear();
    f[kUnitCost].clear();
    f[kAdjustment] = money(amount, invoice);
    f[kLineTotal] = money(amount, invoice);
    // Within the period billed, and not after the invoice's date (a line dated later is a finding of its own).
    f[kLineDate] = date_text(std::min(invoice.period_end.value_or(invoice.issue_date), invoice.issue_date));
    for (Field empty : {kTaskCode, kExpenseCode, kActivityCode, kTimekeeperId, kTimekeeperName, kTimekeeperClassification})
      f[empty].clear();
    f[kLineDescription] = what;
    write_record(out_, f);
  }

  /// Exact, with at least the currency's decimals: `1250.00`.
  static std::string money(Decimal amount, const Invoice& invoice) { return format_amount(amount, invoice.currency); }

  std::ostream& out_;
  const Book& book_;
  std::vector<std::string> notes_;
  std::set<std::string> currencies_;
  std::set<std::string> unknown_timekeepers_;
  std::set<std::string> dropped_;  // columns LEDES cannot carry that the book has, e.g. "lines' entry_id"
  std::set<std::string> written_;
};

}  // namespace

std::vector<std::string> write_ledes(std::ostream& out, const Book& book) { return LedesWriter(out, book).write(); }

}  // namespace billcheck
