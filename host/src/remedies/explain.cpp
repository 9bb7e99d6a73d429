#include <billcheck/remedies.hpp>

#include "remedies/figures.hpp"
#include "render/templates.hpp"

#include <nlohmann/json.hpp>

namespace billcheck {
namespace {

using Json = nlohmann::ordered_json;

// Every name an explanation's model can hold (docs/remedies.md lists them for
// template writers); the optional ones are absent when the book has no value.
constexpr std::string_view kExplainVocabulary[] = {
    "invoice", "id", "status", "issue_date", "period_start", "period_end", "due_date", "currency", "discount",
    "tax_rate", "tax", "total", "source", "terms", "client", "name", "payment_terms_days", "engagement",
    "billing_cycle", "invoice_within_days", "discount_pct", "fee_cap", "lines", "line_no", "type", "date",
    "description", "quantity", "rate", "adjustment", "amount", "timekeeper", "role", "agreed_rate",
    "effective_from", "effective_to", "applies_to", "time_entries", "hours", "billable", "has_findings",
    "findings", "rule", "severity", "message", "fix", "field", "current", "suggested", "invoice_findings",
    "settlement", "payments", "reference", "credit_notes", "reason", "approved_by", "balance", "one_line",
    "correct", "finding_count", "remedy", "remedied_count", "has_open", "all_remedied", "reason_code", "goodwill",
    "reissue", "correction", "replacement", "replaces", "replaced_by", "credit_note", "corrects", "errors"};

std::string located(const Book& book, const Source& s) {
  return std::string(book.file_of(s)) + ":" + std::to_string(s.line);
}

// Optional values are absent from the model rather than empty, so a template
// section `{{#due_date}}…{{/due_date}}` shows only what the book has.
void put(Json& j, const char* key, const std::optional<Date>& d) {
  if (d) j[key] = d->to_string();
}
void put(Json& j, const char* key, const std::string& s) {
  if (!s.empty()) j[key] = s;
}
void put_money(Json& j, const char* key, const std::optional<Decimal>& d, std::string_view currency) {
  if (d) j[key] = format_amount(*d, currency);
}

Json timekeeper_json(const Book& book, std::string_view id) {
  Json j;
  j["id"] = std::string(id);
  if (const Timekeeper* tk = book.timekeeper(id)) {
    put(j, "name", tk->name);
    put(j, "role", tk->role);
  }
  return j;
}

/// "credit note CN-1", "replacement invoice INV-1-R1": what remedies a finding, as the text report words it.
std::string remedy_text(const Remedy& remedy) {
  const std::string what = remedy.kind == "credit_note" ? "credit note "
                           : remedy.kind == "reissued"  ? "replacement invoice "
                           : remedy.kind == "corrected" ? "invoice "
                                                        : remedy.kind + " ";
  return what + remedy.id;
}

Json finding_json(const Finding& f, const Report& report) {
  Json j;
  j["rule"] = f.rule;
  j["severity"] = std::string(to_string(f.severity));
  j["message"] = f.message;
  if (f.fix) j["fix"] = {{"field", f.fix->field}, {"current", f.fix->current}, {"suggested", f.fix->suggested}};
  if (const Remedy* remedy = report.remedy_of(f)) j["remedy"] = remedy_text(*remedy);
  return j;
}

/// The invoice that names `id` in its `replaces` column (fix --reissue), if any.
const Invoice* replacement_of(const Book& book, std::string_view id) {
  for (const Invoice& i : book.invoices())
    if (const Text* of = i.extra.find("replaces"); of && *of == id) return &i;
  return nullptr;
}

/// The credit note that cancelled an invoice for its replacement (reason code reissue).
const CreditNote* reissue_note(const Book& book, std::string_view invoice) {
  for (const CreditNote* n : book.credit_notes_of_invoice(invoice))
    if (n->reason_code == "reissue") return n;
  return nullptr;
}

Json rate_json(const Book& book, const Rate& r, std::string_view currency) {
  Json j;
  j["rate"] = format_amount(r.rate, currency);
  j["effective_from"] = r.effective_from.to_string();
  put(j, "effective_to", r.effective_to);
  if (!r.timekeeper_id.empty()) {
    const Timekeeper* tk = book.timekeeper(r.timekeeper_id);
    j["applies_to"] = "timekeeper " + r.timekeeper_id + (tk && !tk->name.empty() ? " (" + tk->name + ")" : "");
  } else {
    j["applies_to"] = "role " + r.role;
  }
  j["source"] = located(book, r.source);
  return j;
}

// The time recorded behind a line: the entry it cites, or else its
// timekeeper's entries on its date for the invoice's engagement.
std::vector<const TimeEntry*> entries_behind(const Book& book, const Invoice& inv, const InvoiceLine& line) {
  std::vector<const TimeEntry*> out;
  if (!line.entry_id.empty()) {
    if (const TimeEntry* e = book.time_entry(line.entry_id)) out.push_back(e);
    return out;
  }
  if (line.timekeeper_id.empty() || !line.date) return out;
  for (const TimeEntry* e : book.time_entries_on(line.timekeeper_id, *line.date))
    if (e->engagement_id == inv.engagement_id) out.push_back(e);
  return out;
}

Json line_json(const Book& book, const Invoice& inv, const InvoiceLine& line, const std::vector<const Finding*>& found,
               const Report& report) {
  Json j;
  j["line_no"] = line.line_no;
  j["type"] = line.type;
  put(j, "date", line.date);
  j["description"] = line.description;  // always: an absent key would be looked up in the enclosing section
  j["quantity"] = line.quantity.to_string();
  j["rate"] = format_amount(line.rate, inv.currency);
  put_money(j, "adjustment", line.adjustment, inv.currency);
  j["amount"] = format_amount(line.amount, inv.currency);
  j["source"] = located(book, line.source);
  if (!line.timekeeper_id.empty()) j["timekeeper"] = timekeeper_json(book, line.timekeeper_id);
  if (line.is_fee()) {
    if (const Rate* r = book.agreed_rate(line)) j["agreed_rate"] = rate_json(book, *r, inv.currency);
  }
  Json entries = Json::array();
  for (const TimeEntry* e : entries_behind(book, inv, line)) {
    Json te;
    te["id"] = e->id;
    te["date"] = e->date.to_string();
    te["hours"] = e->hours.to_string();
    te["billable"] = e->billable;
    te["description"] = e->description;
    te["timekeeper"] = timekeeper_json(book, e->timekeeper_id);
    te["source"] = located(book, e->source);
    entries.push_back(std::move(te));
  }
  j["time_entries"] = std::move(entries);
  Json fs = Json::array();
  for (const Finding* f : found) fs.push_back(finding_json(*f, report));
  j["has_findings"] = !found.empty();
  j["findings"] = std::move(fs);
  return j;
}

Json invoice_json(const Book& book, const Invoice& inv) {
  Json j;
  j["id"] = inv.id;
  j["status"] = inv.status.empty() ? std::string("issued") : inv.status;
  j["issue_date"] = inv.issue_date.to_string();
  put(j, "period_start", inv.period_start);
  put(j, "period_end", inv.period_end);
  put(j, "due_date", inv.due_date);
  j["currency"] = inv.currency;
  put_money(j, "discount", inv.discount, inv.currency);
  if (inv.tax_rate) j["tax_rate"] = inv.tax_rate->to_string();
  put_money(j, "tax", inv.tax, inv.currency);
  j["total"] = format_amount(inv.total, inv.currency);
  j["source"] = located(book, inv.source);
  return j;
}

/// For a replacement invoice (fix --reissue): the invoice it replaces, the
/// credit note that cancelled that one, and why: the errors on it that the
/// replacement corrects (the findings it remedies, kind reissued).
Json replaces_json(const Engine& engine, const Book& book, const Invoice& inv, const CheckOptions& options) {
  const Text* of = inv.extra.find("replaces");
  if (!of) return nullptr;
  Json j;
  j["id"] = *of;
  const Invoice* replaced = book.invoice(*of);
  if (replaced) j["issue_date"] = replaced->issue_date.to_string();
  if (const CreditNote* n = reissue_note(book, *of)) j["credit_note"] = n->id;
  Json corrects = Json::array();
  if (replaced && book.invoices_numbered(*of).size() == 1) {
    const Report report = engine.check_invoice(book, *of, options);
    for (const Finding& f : report.findings)
      if (const Remedy* remedy = report.remedy_of(f); remedy && remedy->kind == "reissued" && remedy->id == inv.id)
        corrects.push_back({{"rule", f.rule}, {"message", f.message}});
  }
  // An object, so that a template says "without its errors:" once, and only when there are some.
  if (!corrects.empty()) j["corrects"] = {{"errors", std::move(corrects)}};
  return j;
}

/// For an invoice fix --reissue replaced: its replacement and the credit note that cancelled it.
Json replaced_by_json(const Book& book, const Invoice& inv) {
  const Invoice* r = replacement_of(book, inv.id);
  if (!r) return nullptr;
  Json j{{"id", r->id}};
  if (const CreditNote* n = reissue_note(book, inv.id)) j["credit_note"] = n->id;
  return j;
}

Json terms_json(const Book& book, const Invoice& inv) {
  Json j;
  if (const Client* c = book.client(inv.client_id)) {
    j["client"] = {{"id", c->id}, {"name", c->name}};
    if (c->payment_terms_days) j["payment_terms_days"] = *c->payment_terms_days;
  } else {
    j["client"] = {{"id", inv.client_id}};
  }
  if (const Engagement* e = book.engagement(inv.engagement_id)) {
    Json eng;
    eng["id"] = e->id;
    put(eng, "name", e->name);
    put(eng, "billing_cycle", e->billing_cycle);
    if (e->invoice_within_days) eng["invoice_within_days"] = *e->invoice_within_days;
    if (e->discount_pct) eng["discount_pct"] = e->discount_pct->to_string();
    put_money(eng, "fee_cap", e->fee_cap, inv.currency);
    eng["source"] = located(book, e->source);
    j["engagement"] = std::move(eng);
  }
  return j;
}

Json settlement_json(const Book& book, const Invoice& inv) {
  Json j;
  Decimal settled;
  Json payments = Json::array();
  for (const Payment* p : book.payments_of_invoice(inv.id)) {
    Json pj{{"id", p->id}, {"date", p->date.to_string()}, {"amount", format_amount(p->amount, inv.currency)}};
    put(pj, "reference", p->reference);
    payments.push_back(std::move(pj));
    settled += p->amount;
  }
  Json notes = Json::array();
  for (const CreditNote* n : book.credit_notes_of_invoice(inv.id)) {
    Json nj{{"id", n->id}, {"date", n->date.to_string()}, {"amount", format_amount(n->amount, inv.currency)}};
    put(nj, "reason", n->reason);
    put(nj, "approved_by", n->approved_by);
    put(nj, "reason_code", n->reason_code);
    // What kind of note it is, always set (false too), so that a template's
    // section never finds the key in an enclosing context.
    const bool goodwill = n->reason_code == "goodwill", reissue = n->reason_code == "reissue";
    nj["goodwill"] = goodwill;
    nj["reissue"] = reissue;
    nj["correction"] = !goodwill && !reissue;
    if (const Invoice* r = reissue ? replacement_of(book, inv.id) : nullptr) nj["replacement"] = r->id;
    notes.push_back(std::move(nj));
    settled += n->amount;
  }
  j["payments"] = std::move(payments);
  j["credit_notes"] = std::move(notes);
  // A void invoice bills nothing: what was paid or credited on it is owed back.
  j["balance"] = format_amount((inv.is_void() ? Decimal{} : inv.total) - settled, inv.currency);
  return j;
}

}  // namespace

std::optional<DocumentFormat> parse_document_format(std::string_view name) {
  if (name == "text") return DocumentFormat::text;
  if (name == "md" || name == "markdown") return DocumentFormat::markdown;
  if (name == "html") return DocumentFormat::html;
  if (name == "json") return DocumentFormat::json;
  return std::nullopt;
}

namespace {

std::string explain_figures(const Engine& engine, const Book& book, const ExplainRequest& request, DocumentFormat format) {
  const Invoice* inv = book.invoice(request.invoice);
  if (!inv) throw UnknownInvoice(request.invoice);
  const auto lines = book.lines_of(*inv);
  if (request.line && std::none_of(lines.begin(), lines.end(),
                                   [&](const InvoiceLine& l) { return l.line_no == *request.line; }))
    throw UnknownRecord("invoice " + inv->id + " has no line " + std::to_string(*request.line) + " (its lines are 1 to " +
                         std::to_string(lines.size()) + ")");

  const Report report = engine.check_invoice(book, inv->id, request.check);
  Json model;
  model["invoice"] = invoice_json(book, *inv);
  if (Json replaces = replaces_json(engine, book, *inv, request.check); !replaces.is_null())
    model["invoice"]["replaces"] = std::move(replaces);
  if (Json replaced_by = replaced_by_json(book, *inv); !replaced_by.is_null())
    model["invoice"]["replaced_by"] = std::move(replaced_by);
  model["terms"] = terms_json(book, *inv);
  Json line_models = Json::array();
  for (const InvoiceLine& line : lines) {
    if (request.line && line.line_no != *request.line) continue;
    std::vector<const Finding*> found;
    for (const Finding& f : report.findings)
      if (f.line == std::to_string(line.line_no)) found.push_back(&f);
    line_models.push_back(line_json(book, *inv, line, found, report));
  }
  model["lines"] = std::move(line_models);
  Json invoice_findings = Json::array();
  std::size_t open = 0, remedied = 0;
  for (const Finding& f : report.findings) {
    // Every finding the explanation shows: its lines' and the invoice's own.
    if (!request.line || f.line.empty() || f.line == std::to_string(*request.line))
      ++(report.remedy_of(f) ? remedied : open);
    if (f.line.empty()) invoice_findings.push_back(finding_json(f, report));
  }
  model["invoice_findings"] = std::move(invoice_findings);
  model["settlement"] = settlement_json(book, *inv);
  model["one_line"] = request.line.has_value();
  model["correct"] = open == 0 && remedied == 0;
  model["has_open"] = open > 0;
  model["all_remedied"] = open == 0 && remedied > 0;
  model["finding_count"] = open;
  model["remedied_count"] = remedied;

  if (format == DocumentFormat::json) return model.dump(2) + "\n";
  const auto markup = format == DocumentFormat::html       ? detail::Markup::html
                      : format == DocumentFormat::markdown ? detail::Markup::markdown
                                                           : detail::Markup::text;
  const std::filesystem::path& firm_templates = engine.config().letters.templates;
  const auto dir = !request.templates.empty() ? request.templates
                   : !firm_templates.empty()  ? firm_templates
                                              : detail::bundled_template_dir();
  return detail::render_template(dir, "explain", markup, model, kExplainVocabulary, detail::Reader::person);
}

}  // namespace

std::string explain(const Engine& engine, const Book& book, const ExplainRequest& request, DocumentFormat format) {
  return detail::with_book_figures([&] { return explain_figures(engine, book, request, format); });
}

}  // namespace billcheck
