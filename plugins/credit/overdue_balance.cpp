#include "rules.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>
#include <unordered_set>

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
    return !book.payments_of(invoice).empty() || !book.credit_notes_of(invoice).empty();
  return true;
}

long long day_number(Date d) { return d.sys_days().time_since_epoch().count(); }

/// The invoices that may have a long-overdue invoice of their client to report:
/// those issued while another of the client's invoices is in its overdue span,
/// from the first day it is both issued and more than `overdue_days` past due
/// until the day it was settled. Counting the spans that cover each issue date
/// (two sorted lists per client) takes O(n log n) for the book, where scanning
/// every earlier invoice of the client for every invoice took O(n^2) per client;
/// the few invoices found here are then checked by that scan, so what is
/// reported is unchanged.
std::unordered_set<const Invoice*> may_report(const Book& book, std::int64_t overdue_days) {
  const auto& settled = settled_on(book);
  // Dates are within a few million days of 1970: a larger grace period is never over.
  constexpr std::int64_t kNever = 1'000'000'000;
  std::unordered_set<const Invoice*> out;
  std::unordered_set<std::string_view> clients;
  std::vector<long long> from, until;
  std::vector<std::pair<long long, long long>> own;  // each invoice's span, in client order
  for (const Invoice& first : book.invoices()) {
    if (!clients.insert(first.client_id).second) continue;
    const Client* client = book.client(first.client_id);
    const auto invoices = book.invoices_of_client(first.client_id);
    from.clear();
    until.clear();
    own.assign(invoices.size(), {LLONG_MAX, LLONG_MAX});
    for (std::size_t i = 0; i < invoices.size(); ++i) {
      const Invoice& other = *invoices[i];
      if (overdue_days > kNever || !may_be_owed(book, other)) continue;
      const auto due = due_date_of(other, client);
      if (!due) continue;
      const long long begins = std::max(day_number(other.issue_date), day_number(*due) + overdue_days + 1);
      const Optional<Date> s = settled.of(other);
      const long long ends = s ? day_number(*s) : LLONG_MAX;
      if (begins >= ends) continue;  // settled before it was long overdue
      own[i] = {begins, ends};
      from.push_back(begins);
      until.push_back(ends);
    }
    if (from.empty()) continue;
    std::sort(from.begin(), from.end());
    std::sort(until.begin(), until.end());
    for (std::size_t i = 0; i < invoices.size(); ++i) {
      const long long day = day_number(invoices[i]->issue_date);
      auto covering = (std::upper_bound(from.begin(), from.end(), day) - from.begin()) -
                      (std::upper_bound(until.begin(), until.end(), day) - until.begin());
      if (own[i].first <= day && day < own[i].second) --covering;  // not itself
      if (covering > 0) out.insert(invoices[i]);
    }
  }
  return out;
}

}  // namespace

OverdueBalanceRule::OverdueBalanceRule(const Options& options) : overdue_days_(options.non_negative_integer("overdue_days")) {}

RuleInfo OverdueBalanceRule::info() {
  RuleInfo info;
  info.id = "credit.overdue-balance";
  info.reach = Reach::firm;
  info.title = "New invoice while older invoices are long overdue";
  info.category = "credit";
  info.severity = Severity::warning;
  info.description =
      "A new invoice is reported when, on its issue date, the same client still owes on other invoices more "
      "than overdue_days past their due date (the due_date column, else the issue date plus the client's "
      "payment_terms_days). What is owed on an invoice is its total less the payments applied to it and the "
      "credit notes on it dated on or before the new invoice's issue date. Void and draft invoices owe nothing, "
      "and so does one marked paid with no payment recorded. The amount at stake is the overdue amount in the "
      "new invoice's currency. A replacement invoice (its replaces column, as billcheck fix --reissue writes it) "
      "that bills no more than the invoice it replaces is not new: it is not checked.";
  info.options = {{"overdue_days", OptionType::integer, "60",
                   "How many days past its due date an unpaid invoice must be to count as long overdue."}};
  return info;
}

void OverdueBalanceRule::check(const Invoice& invoice, Context& ctx) const {
  if (invoice.is_void()) return;
  const Book& book = ctx.book();
  if (replaces_a_larger_bill(book, invoice)) return;
  const Client* client = book.client(invoice.client_id);
  const Date as_of = invoice.issue_date;
  const auto& candidates = book.derived<std::unordered_set<const Invoice*>>(
      "credit.overdue-balance/" + std::to_string(overdue_days_),
      [&](const Book& b) { return may_report(b, overdue_days_); });
  if (!candidates.contains(&invoice)) return;
  const auto& settled = settled_on(book);

  std::vector<Overdue> overdue;
  for (const Invoice* other : book.invoices_of_client(invoice.client_id)) {
    if (other->issue_date > as_of) break;
    if (other == &invoice || !may_be_owed(book, *other)) continue;
    const auto due = due_date_of(*other, client);
    if (!due) continue;
    const long long late = Date::days_between(*due, as_of);
    if (late <= overdue_days_) continue;
    if (const Optional<Date> s = settled.of(*other); s && *s <= as_of) continue;  // paid by then
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
