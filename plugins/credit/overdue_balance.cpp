#include "rules.hpp"

#include <algorithm>
#include <stdexcept>

namespace billcheck::credit {
namespace {

/// An earlier invoice still unpaid too long after its due date.
struct Overdue {
  const Invoice* invoice;
  Decimal unpaid;
  long long days;
};

/// When an invoice falls due: its due date, else its issue date plus the client's payment terms.
std::optional<Date> due_date_of(const Invoice& invoice, const Client* client) {
  if (invoice.due_date) return invoice.due_date;
  if (client && client->payment_terms_days) return invoice.issue_date.plus_days(*client->payment_terms_days);
  return std::nullopt;
}

/// Whether the client can owe anything on `invoice`: not a draft, not void,
/// and not marked paid with no payment or credit note to say when.
bool may_be_owed(const Book& book, const Invoice& invoice) {
  if (invoice.is_void() || invoice.status == "draft") return false;
  if (invoice.status == "paid")
    return !book.payments_of_invoice(invoice.id).empty() || !book.credit_notes_of_invoice(invoice.id).empty();
  return true;
}

}  // namespace

OverdueBalanceRule::OverdueBalanceRule(const Options& options) : overdue_days_(options.non_negative_integer("overdue_days")) {}

RuleInfo OverdueBalanceRule::info() {
  RuleInfo info;
  info.id = "credit.overdue-balance";
  info.title = "New invoice while older invoices are long overdue";
  info.category = "credit";
  info.severity = Severity::warning;
  info.description =
      "A new invoice is reported when, on its issue date, the same client still owes on other invoices more "
      "than overdue_days past their due date (the due_date column, else the issue date plus the client's "
      "payment_terms_days). What is owed on an invoice is its total less the payments applied to it and the "
      "credit notes on it dated on or before the new invoice's issue date. Void and draft invoices owe nothing, "
      "and so does one marked paid with no payment recorded. The amount at stake is the overdue amount in the "
      "new invoice's currency.";
  info.options = {{"overdue_days", OptionType::integer, "60",
                   "How many days past its due date an unpaid invoice must be to count as long overdue."}};
  return info;
}

void OverdueBalanceRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void()) return;
  const Book& book = ctx.book();
  const Client* client = book.client(invoice.client_id);
  const Date as_of = invoice.issue_date;
  const auto& settled = settled_on(book);

  std::vector<Overdue> overdue;
  for (const Invoice* other : book.invoices_of_client(invoice.client_id)) {
    if (other->issue_date > as_of) break;
    if (other == &invoice || !may_be_owed(book, *other)) continue;
    const auto due = due_date_of(*other, client);
    if (!due) continue;
    const long long late = Date::days_between(*due, as_of);
    if (late <= overdue_days_) continue;
    if (auto s = settled.find(other); s != settled.end() && s->second <= as_of) continue;  // paid by then
    const Decimal unpaid = unpaid_on(book, *other, as_of);
    if (unpaid > Decimal{}) overdue.push_back({other, unpaid, late});
  }
  if (overdue.empty()) return;

  Decimal total;  // in the new invoice's currency
  long long oldest = 0;
  std::string list;
  for (const Overdue& o : overdue) {
    if (o.invoice->currency == invoice.currency) total += o.unpaid;
    oldest = std::max(oldest, o.days);
    list += (list.empty() ? "" : ", ") + o.invoice->id + " (" + money(o.unpaid, o.invoice->currency) + ", " +
            std::to_string(o.days) + " days)";
  }
  const std::string head = "Invoice " + invoice.id + " was issued on " + as_of.to_string() + " while " +
                           client_name(book, invoice.client_id) + " still owed ";
  std::string message;
  if (overdue.size() == 1)
    message = head + money(overdue[0].unpaid, overdue[0].invoice->currency) + " on invoice " + overdue[0].invoice->id +
              ", " + std::to_string(overdue[0].days) + " days past its due date.";
  else
    message = head + "on " + std::to_string(overdue.size()) + " invoices more than " + std::to_string(overdue_days_) +
              " days past their due dates: " + list + ".";

  Finding& finding = ctx.report(invoice, std::move(message));
  if (!total.is_zero()) finding.at_stake(total);
  finding.evidence_of("expected", "nothing unpaid more than " + std::to_string(overdue_days_) + " days past due")
      .evidence_of("actual", list)
      .evidence_of("overdue_amount", total)
      .evidence_of("days_overdue", std::to_string(oldest));
}

}  // namespace billcheck::credit
