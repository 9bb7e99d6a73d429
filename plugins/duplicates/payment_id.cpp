#include "rules.hpp"

namespace billcheck::duplicates {

RuleInfo DuplicatePaymentIdRule::info() {
  RuleInfo info;
  info.id = "duplicates.payment-id";
  info.reach = Reach::firm;
  info.title = "Payment id used twice";
  info.category = "duplicates";
  info.severity = Severity::error;
  info.description =
      "Every payment record has its own payment_id. Each record after the first (by client, invoice, date, "
      "amount and currency) that reuses an id is reported, naming where the first was read: the same payment "
      "exported twice counts its money twice, and two payments under one id cannot be told apart. No amount is "
      "at stake: whether an invoice is overpaid is payments.overpayment's.";
  return info;
}

void DuplicatePaymentIdRule::check(const Payment& payment, Context& ctx) const {
  const Book& book = ctx.book();
  // The Book keeps payments by id, so the records sharing one are adjacent, the first at payment(id).
  const Payment* first = book.payment(payment.id);
  if (first == &payment) return;
  const auto position = static_cast<std::size_t>(&payment - first) + 1;
  const auto payments = book.payments();
  std::size_t count = 0;
  for (const Payment* p = first; p != payments.data() + payments.size() && p->id == payment.id; ++p) ++count;
  ctx.report(payment, "Payment id " + payment.id + " is used again by the payment read at " + where(book, payment.source) +
                          " (" + money(payment.amount, payment.currency) + " from " + payment.client_id + " on " +
                          payment.date.to_string() + "); the payment read at " + where(book, first->source) + " (" +
                          money(first->amount, first->currency) + " from " + first->client_id + " on " +
                          first->date.to_string() + ") already has it. Give each payment its own id.")
      .key(std::to_string(position))
      .evidence_of("expected", "an id used once")
      .evidence_of("actual", "used by " + std::to_string(count) + " payments")
      .evidence_of("first_record", where(book, first->source))
      .evidence_of("this_record", where(book, payment.source));
}

}  // namespace billcheck::duplicates
