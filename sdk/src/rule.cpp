#include <billcheck/rule.hpp>

namespace billcheck {

Log::~Log() = default;
Rule::~Rule() = default;
Registry::~Registry() = default;

std::string_view to_string(Scope s) {
  switch (s) {
    case Scope::line: return "line";
    case Scope::invoice: return "invoice";
    case Scope::client: return "client";
    case Scope::payment: return "payment";
    case Scope::credit_note: return "credit_note";
    case Scope::book: return "book";
  }
  return "book";
}

std::optional<Scope> parse_scope(std::string_view text) {
  for (Scope s : {Scope::line, Scope::invoice, Scope::client, Scope::payment, Scope::credit_note, Scope::book})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::string_view to_string(Reach r) {
  switch (r) {
    case Reach::client: return "client";
    case Reach::timekeeper: return "timekeeper";
    case Reach::firm: return "firm";
    case Reach::book: return "book";
  }
  return "book";
}

std::optional<Reach> parse_reach(std::string_view text) {
  for (Reach r : {Reach::client, Reach::timekeeper, Reach::firm, Reach::book})
    if (to_string(r) == text) return r;
  return std::nullopt;
}

Finding& Context::start(std::string message, const Source& source) {
  Finding& f = out_.emplace_back();
  f.rule = info_.id;
  f.severity = severity_;
  f.category = info_.category;
  f.message = std::move(message);
  f.file = book_.file_of(source);
  f.source_line = source.line;
  return f;
}

Finding& Context::report(const InvoiceLine& line, std::string message) {
  // book_'s, not invoice_of(): code of the SDK reads no member of ABI 5.5's
  // Context (a plugin built before may have made one of ABI 5.0's size).
  const Invoice& inv = book_.invoice_of(line);
  Finding& f = start(std::move(message), line.source);
  f.client = inv.client_id;
  f.engagement = inv.engagement_id;
  f.invoice = inv.id;
  f.line = std::to_string(line.line_no);
  f.time_entry = line.entry_id;
  f.currency = inv.currency;
  return f;
}

Finding& Context::report(const Invoice& inv, std::string message) {
  Finding& f = start(std::move(message), inv.source);
  f.client = inv.client_id;
  f.engagement = inv.engagement_id;
  f.invoice = inv.id;
  f.currency = inv.currency;
  return f;
}

Finding& Context::report(const Client& client, std::string message) {
  Finding& f = start(std::move(message), client.source);
  f.client = client.id;
  f.currency = client.currency;
  return f;
}

Finding& Context::report(const Engagement& engagement, std::string message) {
  Finding& f = start(std::move(message), engagement.source);
  f.client = engagement.client_id;
  f.engagement = engagement.id;
  if (const Client* c = book_.client(engagement.client_id)) f.currency = c->currency;
  return f;
}

Finding& Context::report(const Payment& payment, std::string message) {
  Finding& f = start(std::move(message), payment.source);
  f.client = payment.client_id;
  f.invoice = payment.invoice_id;
  f.payment = payment.id;
  f.currency = payment.currency;
  return f;
}

Finding& Context::report(const CreditNote& note, std::string message) {
  Finding& f = start(std::move(message), note.source);
  f.client = note.client_id;
  f.invoice = note.invoice_id;
  f.credit_note = note.id;
  if (const Invoice* inv = book_.invoice(note.invoice_id)) {
    f.currency = inv->currency;
    f.engagement = inv->engagement_id;
  } else if (const Client* c = book_.client(note.client_id)) {
    f.currency = c->currency;
  }
  return f;
}

Finding& Context::report(const TimeEntry& entry, std::string message) {
  Finding& f = start(std::move(message), entry.source);
  f.engagement = entry.engagement_id;
  f.time_entry = entry.id;
  if (const Engagement* e = book_.engagement(entry.engagement_id)) {
    f.client = e->client_id;
    if (const Client* c = book_.client(e->client_id)) f.currency = c->currency;
  }
  return f;
}

Finding& Context::report(const Rate& rate, std::string message) {
  Finding& f = start(std::move(message), rate.source);
  f.engagement = rate.engagement_id;
  if (const Engagement* e = book_.engagement(rate.engagement_id)) {
    f.client = e->client_id;
    if (const Client* c = book_.client(e->client_id)) f.currency = c->currency;
  }
  return f;
}

Finding& Context::report(std::string message) { return start(std::move(message), Source{}); }

}  // namespace billcheck
