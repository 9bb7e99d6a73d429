// `billcheck fix`: a corrected copy of the book. A draft invoice takes every
// finding's fix and is recomputed so that it adds up; an issued or paid invoice
// is never edited (a credit note corrects it), so it is only listed.
#include <billcheck/remedies.hpp>

#include "remedies/overcharged.hpp"
#include "remedies/owed.hpp"
#include "remedies/figures.hpp"
#include "remedies/underbilled.hpp"
#include "render/templates.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace billcheck {
namespace {

// A fix can change what another rule finds (a corrected rate changes the
// discount the engagement allows); a few rounds settle any book the bundled
// rules can produce, and the bound keeps two disagreeing rules from looping.
constexpr int kMaxRounds = 5;

bool is_draft(const Invoice& invoice) { return invoice.status == "draft"; }

/// The book's invoices by number and their lines, for one round of fixes,
/// which looks one of each up for every finding (a scan of the whole book for
/// each made `fix` quadratic: 44 s for a 100k-line book with 10,000
/// overcharged lines). Valid while no record is added or removed: a round only
/// edits fields, and never an invoice's number or a line's.
class DraftIndex {
 public:
  explicit DraftIndex(BookData& data) {
    for (Invoice& invoice : data.invoices) {
      auto& [found, count] = invoices_[invoice.id.view()];
      found = &invoice;
      ++count;
    }
    for (InvoiceLine& line : data.lines) lines_[line.invoice_id.view()].push_back(&line);
  }

  /// The invoice a finding's fix would change, when it is a draft invoice the
  /// book has once (a number used twice is for a person to sort out).
  Invoice* draft(std::string_view id) const {
    const auto it = invoices_.find(id);
    if (it == invoices_.end() || it->second.second != 1) return nullptr;
    return is_draft(*it->second.first) ? it->second.first : nullptr;
  }

  /// The lines that name invoice `id`, in the book's order.
  std::span<InvoiceLine* const> lines(std::string_view id) const {
    const auto it = lines_.find(id);
    return it == lines_.end() ? std::span<InvoiceLine* const>() : std::span<InvoiceLine* const>(it->second);
  }

  /// The first of them numbered `line_no` (as a finding gives it), or null.
  InvoiceLine* line(std::string_view invoice, std::string_view line_no) const {
    for (InvoiceLine* line : lines(invoice))
      if (std::to_string(line->line_no) == line_no) return line;
    return nullptr;
  }

 private:
  std::unordered_map<std::string_view, std::pair<Invoice*, int>> invoices_;
  std::unordered_map<std::string_view, std::vector<InvoiceLine*>> lines_;
};

/// The record a finding is about, as its fix's field names it.
enum class RecordKind { line, invoice, other };

RecordKind record_of(const Finding& f) {
  if (!f.line.empty()) return RecordKind::line;
  if (!f.payment.empty() || !f.credit_note.empty() || f.invoice.empty()) return RecordKind::other;
  return RecordKind::invoice;
}

std::optional<Decimal> decimal_of(const std::string& text) { return Decimal::parse(text); }

using detail::apply_to_line;

bool apply_to_invoice(Invoice& invoice, const Fix& fix, TextStore& store) {
  const std::string& to = fix.suggested;
  if (fix.field == "total" || fix.field == "tax" || fix.field == "discount") {
    const auto value = decimal_of(to);
    if (!value) return false;
    if (fix.field == "total") invoice.total = *value;
    else if (fix.field == "tax") invoice.tax = *value;
    else invoice.discount = *value;
    return true;
  }
  if (fix.field == "due_date" || fix.field == "period_start") {
    const auto date = Date::parse_iso(to);
    if (!date) return false;
    (fix.field == "due_date" ? invoice.due_date : invoice.period_start) = *date;
    return true;
  }
  if (fix.field == "currency") invoice.currency = store.add(to);
  else if (fix.field == "client_id") invoice.client_id = store.add(to);
  else if (fix.field == "status") invoice.status = store.add(to);
  else return false;
  return true;
}

/// Recomputes what depends on the fixed fields with the arithmetic rules'
/// own formulas (half-even to the currency's minor units), so the re-check is
/// clean: each changed line's amount, then the tax on the lines less the
/// discount, then the total.
void recompute(std::span<InvoiceLine* const> lines, Invoice& invoice, const std::set<std::int64_t>& changed_lines,
               bool all_lines) {
  if (invoice.is_void()) return;
  const int places = minor_units(invoice.currency);
  Decimal line_sum;
  for (InvoiceLine* line : lines) {
    if (all_lines || changed_lines.count(line->line_no))
      line->amount = (line->quantity * line->rate + line->adjustment.value_or(Decimal{})).round(places);
    line_sum += line->amount;
  }
  const Decimal discount = invoice.discount.value_or(Decimal{});
  if (invoice.tax_rate) {
    const Decimal tax = ((line_sum - discount) * *invoice.tax_rate / Decimal(100)).round(places);
    if (invoice.tax || !tax.is_zero()) invoice.tax = tax;
  }
  invoice.total = (line_sum - discount + invoice.tax.value_or(Decimal{})).round(places);
}

/// A book and its check.
struct Checked {
  const Book* book;
  const Report* report;
};

/// The book a step of fix works on, as it is now, and its check: the book as
/// loaded and its check when nothing has changed it since (`as_loaded`, not
/// null), else a copy of `data` checked anew. Most books' steps change
/// nothing before the credit notes (no supplement, no draft to correct), and
/// a whole check of a 1M-line book is half a second.
class CheckedNow {
 public:
  CheckedNow(const Engine& engine, const BookData& data, const CheckOptions& options, const Checked* as_loaded) {
    if (as_loaded) {
      book_ = as_loaded->book;
      report_ = as_loaded->report;
      return;
    }
    // The copy's Sources point into `data`'s file names, which outlive it.
    book_ = &own_book_.emplace(BookData(data));
    report_ = &own_report_.emplace(engine.check(*book_, options));
  }
  const Book& book() const { return *book_; }
  const Report& report() const { return *report_; }

 private:
  std::optional<Book> own_book_;
  std::optional<Report> own_report_;
  const Book* book_ = nullptr;
  const Report* report_ = nullptr;
};

/// One round: applies the fixes the check finds on draft invoices. `owners`
/// remembers which rule set each field, so that a later round does not let a
/// disagreeing rule undo it. Returns whether anything was applied.
bool apply_round(const Engine& engine, BookData& data, const CheckOptions& options,
                 std::map<std::string, std::string>& owners, const Checked* as_loaded) {
  const CheckedNow now(engine, data, options, as_loaded);
  const Report& report = now.report();
  std::map<std::string, std::set<std::int64_t>> changed_lines;
  // By pointer: a fix may void the invoice, after which it is no draft to look up.
  std::map<std::string, Invoice*> changed_invoices;
  std::set<std::string> recompute_all;
  std::map<std::string, std::string> this_round;
  const DraftIndex index(data);
  for (const Finding& f : report.findings) {
    const RecordKind kind = record_of(f);
    if (!f.fix || kind == RecordKind::other) continue;
    Invoice* invoice = index.draft(f.invoice);
    if (!invoice) continue;
    const std::string key = f.invoice + '\x1f' + f.line + '\x1f' + f.fix->field;
    if (auto owner = owners.find(key); owner != owners.end() && owner->second != f.rule) continue;
    if (auto taken = this_round.find(key); taken != this_round.end()) continue;
    bool applied = false;
    if (kind == RecordKind::line) {
      InvoiceLine* line = index.line(f.invoice, f.line);
      applied = line && apply_to_line(*line, *f.fix);
      if (applied && f.fix->field != "amount") changed_lines[f.invoice].insert(line->line_no);
    } else {
      applied = apply_to_invoice(*invoice, *f.fix, data.text);
      if (applied && f.fix->field == "currency") recompute_all.insert(f.invoice);
    }
    if (!applied) continue;
    owners.emplace(key, f.rule);
    this_round.emplace(key, f.fix->suggested);
    changed_invoices.emplace(f.invoice, invoice);
  }
  for (const auto& [id, invoice] : changed_invoices)
    recompute(index.lines(id), *invoice, changed_lines[id], recompute_all.count(id) > 0);
  return !changed_invoices.empty();
}

std::string money_text(const std::optional<Decimal>& value, std::string_view currency) {
  return value ? format_amount(*value, currency) : std::string();
}

std::string date_text(const std::optional<Date>& value) { return value ? value->to_string() : std::string(); }

void add_change(std::vector<FieldChange>& changes, std::string record, std::string field, std::string from,
                std::string to) {
  if (from != to) changes.push_back({std::move(record), std::move(field), std::move(from), std::move(to)});
}

/// What changed on one invoice and its lines, field by field, in column order.
std::vector<FieldChange> changes_of(const Book& before, const Invoice& was, const Book& after, const Invoice& now) {
  std::vector<FieldChange> changes;
  const std::string& cur = was.currency;
  for (const InvoiceLine& line : before.lines_of(was)) {
    for (const InvoiceLine& fixed : after.lines_of(now)) {
      if (fixed.line_no != line.line_no) continue;
      const std::string record = "line " + std::to_string(line.line_no);
      add_change(changes, record, "quantity", line.quantity.to_string(), fixed.quantity.to_string());
      add_change(changes, record, "rate", format_amount(line.rate, cur), format_amount(fixed.rate, now.currency));
      add_change(changes, record, "amount", format_amount(line.amount, cur), format_amount(fixed.amount, now.currency));
    }
  }
  add_change(changes, "invoice", "client_id", was.client_id, now.client_id);
  add_change(changes, "invoice", "period_start", date_text(was.period_start), date_text(now.period_start));
  add_change(changes, "invoice", "due_date", date_text(was.due_date), date_text(now.due_date));
  add_change(changes, "invoice", "currency", was.currency, now.currency);
  add_change(changes, "invoice", "discount", money_text(was.discount, cur), money_text(now.discount, now.currency));
  add_change(changes, "invoice", "tax", money_text(was.tax, cur), money_text(now.tax, now.currency));
  add_change(changes, "invoice", "total", format_amount(was.total, cur), format_amount(now.total, now.currency));
  add_change(changes, "invoice", "status", was.status, now.status);
  return changes;
}

/// A one-sentence template: the firm's copy in letters.templates when it has
/// one, else the bundled one; rendered as text without its final newline.
std::string render_sentence(const Engine& engine, std::string_view name, const nlohmann::ordered_json& model,
                            std::span<const std::string_view> vocabulary) {
  std::filesystem::path dir = engine.config().letters.templates;
  std::error_code ec;
  if (dir.empty() || !std::filesystem::exists(dir / (std::string(name) + ".txt"), ec))
    dir = detail::bundled_template_dir();
  std::string text = detail::render_template(dir, name, detail::Markup::text, model, vocabulary);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Every name the needs-person template's model can have, for the template check.
constexpr std::string_view kNeedsPersonVocabulary[] = {
    "no_fix", "other_record", "overruled", "not_applied", "new_note", "goodwill_approval", "reallocate", "reassign",
    "field", "suggested", "owner", "currency", "amount", "approve_above", "payment", "to_invoice", "client",
    "invoice", "to_client"};

/// Why a finding left open on a draft invoice needs a person, from the
/// `needs-person` template: `why` names the case, `model` adds its values.
std::string needs_person_reason(const Engine& engine, std::string_view why, nlohmann::ordered_json model = {}) {
  if (model.is_null()) model = nlohmann::ordered_json::object();
  model[std::string(why)] = true;
  return render_sentence(engine, "needs-person", model, kNeedsPersonVocabulary);
}

std::string open_reason(const Engine& engine, const Finding& f, const std::map<std::string, std::string>& owners) {
  if (!f.fix) return needs_person_reason(engine, "no_fix");
  const nlohmann::ordered_json fix = {{"field", f.fix->field}, {"suggested", f.fix->suggested}};
  if (record_of(f) == RecordKind::other) return needs_person_reason(engine, "other_record", fix);
  const std::string key = f.invoice + '\x1f' + f.line + '\x1f' + f.fix->field;
  if (auto owner = owners.find(key); owner != owners.end() && owner->second != f.rule) {
    nlohmann::ordered_json model = fix;
    model["owner"] = owner->second;
    return needs_person_reason(engine, "overruled", model);
  }
  return needs_person_reason(engine, "not_applied", fix);
}

bool is_issued(const Invoice& invoice) { return invoice.status == "issued" || invoice.status == "paid"; }

/// The reason code a credit note carries for a finding of this rule.
std::string reason_code_of(const Finding& f) {
  if (f.rule == "arithmetic.tax") return "tax";
  if (f.category == "rates") return "rate";
  if (f.category == "duplicates") return "duplicate";
  if (f.category == "services") return "hours";
  return f.category;
}

// Every name the credit-note memo's model can have, for the template check.
constexpr std::string_view kMemoVocabulary[] = {"invoice",   "line",       "currency", "amount",  "tax_on_it",
                                                "discount_on_it", "total", "reason_code", "rate",   "tax",
                                                "hours",     "duplicate",  "arithmetic", "other", "reissue",
                                                "replacement", "goodwill", "percent"};

/// The memo the client reads on the credit note: one plain sentence, without
/// the rules' words, from the `credit-note-memo` template (the firm's, in
/// letters.templates, when it has one).
std::string client_memo(const Engine& engine, const Finding& f, const std::string& code, const Decimal& amount,
                        const Decimal& discount, const Decimal& tax) {
  nlohmann::ordered_json model;
  model["invoice"] = f.invoice;
  if (!f.line.empty()) model["line"] = f.line;
  model["currency"] = f.currency;
  model["amount"] = format_amount(amount, f.currency);
  if (!discount.is_zero()) model["discount_on_it"] = format_amount(discount, f.currency);
  if (!tax.is_zero()) model["tax_on_it"] = format_amount(tax, f.currency);
  model["total"] = format_amount(amount - discount + tax, f.currency);
  model["reason_code"] = code;
  static constexpr std::string_view kWorded[] = {"rate", "tax", "hours", "duplicate", "arithmetic"};
  const bool worded = std::find(std::begin(kWorded), std::end(kWorded), code) != std::end(kWorded);
  model[worded ? code : std::string("other")] = true;
  return render_sentence(engine, "credit-note-memo", model, kMemoVocabulary);
}

/// The firm's own note on a credit note (its `internal_note` column), kept
/// apart from the memo the client reads: what the check found, in the rules'
/// words, so that whoever approves the note sees why it was written. A note
/// that remedies several findings lists each.
void add_internal_note(CreditNote& note, const std::string& text, TextStore& store) {
  for (auto& [key, value] : note.extra.values)
    if (key == "internal_note") {
      value = store.add(value + "; " + text);
      return;
    }
  note.extra.values.emplace_back(store.add("internal_note"), store.add(text));
}

using detail::is_overcharge;

bool is_underbilling(const Finding& f) {
  return f.amount_at_stake && f.amount_at_stake->is_negative() && f.category != "payments";
}

/// Whether a finding on an issued invoice gets a credit note.
bool wants_credit_note(const Finding& f, const Book& book) {
  if (!is_overcharge(f)) return false;
  if (record_of(f) == RecordKind::other || book.invoices_numbered(f.invoice).size() != 1) return false;
  return is_issued(*book.invoice(f.invoice));
}

/// The fingerprints a `remedies` column names (separated by spaces).
std::vector<std::string> fingerprints_in(std::string_view all) {
  std::vector<std::string> out;
  for (std::size_t b = all.find_first_not_of(' '); b != std::string_view::npos; b = all.find_first_not_of(' ', b)) {
    const std::size_t e = std::min(all.find(' ', b), all.size());
    out.emplace_back(all.substr(b, e - b));
    b = e;
  }
  return out;
}

std::vector<std::string> remedied_by(const CreditNote& note) { return fingerprints_in(note.remedies); }

/// The id of the n-th credit note on an invoice, from remedies.credit_note_id.
std::string credit_note_id(std::string_view pattern, const Invoice& invoice, int n) {
  std::string id;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::size_t close = pattern[i] == '{' ? pattern.find('}', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      id += pattern[i];
      continue;
    }
    const std::string_view name = pattern.substr(i + 1, close - i - 1);
    id += name == "invoice" ? invoice.id : name == "client" ? invoice.client_id : std::to_string(n);
    i = close;
  }
  return id;
}

using detail::without_tax;

/// The invoices a replacement in the book names in its `replaces` column.
std::set<std::string> replaced_invoices(const BookData& data) {
  std::set<std::string> out;
  for (const Invoice& i : data.invoices)
    if (const Text* of = i.extra.find("replaces")) out.insert(*of);
  return out;
}

Date today_of(const CheckOptions& options) {
  return options.today.value_or(Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())));
}

/// A new id from one of the remedies.*_id patterns, unused in `taken`.
std::string new_id(std::string_view pattern, const Invoice& invoice, std::set<std::string>& taken) {
  std::string id;
  for (int n = 1; id.empty() || taken.count(id); ++n) id = credit_note_id(pattern, invoice, n);
  taken.insert(id);
  return id;
}

/// fix --reissue: each issued or paid invoice with an overcharge that nothing
/// remedies yet (and that its credit notes have not credited in full already)
/// is reversed by a credit note for its whole total and copied into a draft
/// replacement, `replaces` naming it, which the
/// draft rounds then correct like any draft. The replacement is dated the day
/// of the fix and keeps the invoice's payment terms (its days from issue to
/// due), so that it is never due before it is sent; it keeps the invoice's
/// period and line numbers;
/// a line whose whole amount is an overcharge with no single right value (a
/// line billed twice) is left out of it. An invoice whose right value is to
/// be void (a copy of another, duplicates.invoice) is not replaced: its
/// credit note is the whole remedy.
void write_reissues(const Engine& engine, BookData& data, const CheckOptions& options) {
  const Book book{BookData(data)};
  const Report report = engine.check(book, options);
  const std::set<std::string> replaced = replaced_invoices(data);
  std::map<std::string, std::vector<const Finding*>> over;  // by invoice, in report order
  for (const Finding& f : report.findings)
    if (wants_credit_note(f, book) && !report.remedy_of(f) && !replaced.count(f.invoice)) over[f.invoice].push_back(&f);
  std::set<std::string> invoice_ids, note_ids;
  for (const Invoice& i : data.invoices) invoice_ids.insert(i.id);
  for (const CreditNote& n : data.credit_notes) note_ids.insert(n.id);
  const RemediesConfig& config = engine.config().remedies;
  for (const auto& [id, findings] : over) {
    const Invoice& was = *book.invoice(id);
    std::set<std::int64_t> dropped;
    bool voids = false;
    for (const Finding* f : findings) {
      if (f->fix && f->fix->field == "status" && f->fix->suggested == "void") voids = true;
      if (f->fix || f->line.empty()) continue;
      for (const InvoiceLine& l : book.lines_of(was))
        if (std::to_string(l.line_no) == f->line && *f->amount_at_stake >= l.amount) dropped.insert(l.line_no);
    }
    Decimal left = was.total;
    for (const CreditNote* n : book.credit_notes_of_invoice(was.id)) left -= n->amount;
    if (voids || left <= Decimal{}) continue;

    Invoice r = was;
    r.id = data.add_text(new_id(config.reissue_id, was, invoice_ids));
    r.status = data.add_text("draft");
    r.issue_date = today_of(options);
    if (was.due_date) r.due_date = r.issue_date.plus_days(Date::days_between(was.issue_date, *was.due_date));
    r.source = {};
    r.extra.values.clear();
    for (const auto& [key, value] : was.extra.values)
      if (key != "remedies" && key != "replaces" && key != "supplements") r.extra.values.emplace_back(key, value);
    r.extra.values.emplace_back(data.add_text("replaces"), was.id);
    std::vector<InvoiceLine*> copies;  // taken once they are all in (a push_back may move the lines)
    const std::size_t first_copy = data.lines.size();
    for (const InvoiceLine& l : book.lines_of(was)) {
      if (dropped.count(l.line_no)) continue;
      InvoiceLine copy = l;
      copy.invoice_id = r.id;
      copy.source = {};
      data.lines.push_back(std::move(copy));
    }
    CreditNote note;
    note.id = data.add_text(new_id(config.credit_note_id, was, note_ids));
    note.client_id = was.client_id;
    note.invoice_id = was.id;
    note.date = today_of(options);
    // The whole total, not what its earlier notes left: the replacement
    // bills the work anew, so those notes stay the client's credit.
    note.amount = was.total;
    note.reason_code = data.add_text("reissue");
    nlohmann::ordered_json memo = {{"invoice", was.id},         {"currency", was.currency},
                                   {"amount", format_amount(was.total, was.currency)},
                                   {"total", format_amount(was.total, was.currency)},
                                   {"reason_code", "reissue"}, {"reissue", true},
                                   {"replacement", r.id}};
    note.reason = data.add_text(render_sentence(engine, "credit-note-memo", memo, kMemoVocabulary));
    add_internal_note(note,
                      "reissue: cancels " + was.id + " in full; its replacement " + r.id +
                          " bills the work again, corrected",
                      data.text);
    data.credit_notes.push_back(std::move(note));
    data.invoices.push_back(std::move(r));
    for (std::size_t i = first_copy; i < data.lines.size(); ++i) copies.push_back(&data.lines[i]);
    recompute(copies, data.invoices.back(), {}, false);
  }
}

/// After the rounds: each replacement's `remedies` names the findings of the
/// invoice it replaces (as the first check found them) that it no longer has,
/// compared by rule and line. Payment findings are the ledger's, not the
/// invoice's, so a replacement never remedies them.
void mark_reissued(const Engine& engine, BookData& data, const CheckOptions& options, const Report& original) {
  const Book book{BookData(data)};
  const Report report = engine.check(book, options);
  for (Invoice& r : data.invoices) {
    // A copy: adding the remedies column below may move the columns.
    const std::string of = r.extra.find("replaces") ? *r.extra.find("replaces") : std::string();
    if (of.empty()) continue;
    std::set<std::pair<std::string, std::string>> still;
    for (const Finding& f : report.findings)
      if (f.invoice == r.id) still.emplace(f.rule, f.line);
    // Names are only ever added, so that a second fix (whose first check no
    // longer sees what the cancelled invoice's duplicates were) keeps them.
    Text* names = nullptr;
    for (auto& [key, value] : r.extra.values)
      if (key == "remedies") names = &value;
    if (!names) names = &r.extra.values.emplace_back(data.add_text("remedies"), Text()).second;
    std::set<std::string> named;
    for (std::string& fp : fingerprints_in(*names)) named.insert(std::move(fp));
    for (const Finding& f : original.findings) {
      if (f.invoice != of || f.category == "payments" || record_of(f) == RecordKind::other) continue;
      if (still.count({f.rule, f.line}) || named.count(f.fingerprint)) continue;
      if (const Remedy* remedy = original.remedy_of(f); remedy && remedy->kind != "reissued") continue;
      *names = data.add_text(*names + (names->empty() ? "" : " ") + f.fingerprint);
      named.insert(f.fingerprint);
    }
  }
}

/// Appends a credit note for each overcharge on an issued or paid invoice that
/// no credit note in the book remedies yet (its `remedies` names the finding).
/// A line is credited at most once for what it overcharges, less the notes
/// already on it, and an invoice never beyond its total: a finding whose
/// money a note of this run already returns is named in that note's
/// `remedies` instead of getting its own. A note already in the book is never
/// changed: a finding whose money it returns is put in `already` (its
/// fingerprint to that note's id), for the summary to say so.
///
/// Under-billing on the same invoice offsets its overcharges: the notes on an
/// invoice return at most what the client overpaid on it overall, so that its
/// total less the new notes is what the invoice corrected as a draft totals.
/// A note that would return more is cut to that (the last ones first); a
/// finding left with none is put in `offset`, and what the notes left out
/// would have returned in `netted` (by invoice: that much of its under-billing
/// is settled). Where a note is left, the under-billing is settled whole: the
/// last note kept on the invoice, the one it was taken off, names its findings
/// in `remedies` too, so that no later run recovers it again (a supplementary
/// invoice) or counts it as owed.
void write_credit_notes(const Engine& engine, BookData& data, const CheckOptions& options,
                        std::map<std::string, std::string>& already, std::set<std::string>& offset,
                        std::map<std::string, Decimal>& netted, const Checked* as_loaded) {
  const CheckedNow now(engine, data, options, as_loaded);
  const Book& book = now.book();
  const Report& report = now.report();
  const detail::FindingsByInvoice by_invoice(report);
  std::set<std::string> remedied, ids;
  for (const CreditNote& note : data.credit_notes) {
    for (std::string& fp : remedied_by(note)) remedied.insert(std::move(fp));
    ids.insert(note.id);
  }
  // A replacement invoice corrects these (fix --reissue); the invoice it
  // replaces is credited in full already.
  for (const Finding& f : report.findings)
    if (report.remedy_of(f)) remedied.insert(f.fingerprint);
  const std::set<std::string> replaced = replaced_invoices(data);
  const Date today =
      options.today.value_or(Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())));
  const std::string& pattern = engine.config().remedies.credit_note_id;
  const std::set<std::string> book_ids = ids;
  const std::size_t first_new = data.credit_notes.size();
  std::vector<std::pair<const Finding*, Decimal>> made;  // each new note's finding and the tax it returns

  using LineKey = std::pair<std::string, std::int64_t>;
  std::map<LineKey, std::vector<const Finding*>> by_line;
  for (const Finding& f : report.findings)
    if (wants_credit_note(f, book) && !f.line.empty()) by_line[{f.invoice, std::stoll(f.line)}].push_back(&f);

  // What is left to credit, less the notes already in the book; the last
  // note this run wrote on each line and invoice (indexes into
  // data.credit_notes, from `first_new` on), and the last one the book had.
  std::map<std::string, Decimal> invoice_left;
  std::map<LineKey, Decimal> line_left;
  std::map<std::string, std::size_t> last_on_invoice;
  std::map<LineKey, std::size_t> last_on_line;
  std::map<std::string, std::string> book_note_on_invoice;
  std::map<LineKey, std::string> book_note_on_line;
  for (const CreditNote& note : data.credit_notes) {
    book_note_on_invoice[note.invoice_id] = note.id;
    if (note.line_no) book_note_on_line[{note.invoice_id, *note.line_no}] = note.id;
  }
  // Every note the book had counts: this run's notes return what is left after them.
  const auto every_note = [](const CreditNote&) { return true; };
  const detail::DiscountShare shares(engine, options);
  auto left_on_invoice = [&](const Invoice& invoice) -> Decimal& {
    auto it = invoice_left.find(invoice.id);
    if (it == invoice_left.end())
      it = invoice_left.emplace(invoice.id, detail::left_on_invoice(book, invoice, every_note)).first;
    return it->second;
  };
  auto left_on_line = [&](const Invoice& invoice, const LineKey& key) -> Decimal* {
    auto it = line_left.find(key);
    if (it != line_left.end()) return &it->second;
    for (const InvoiceLine& l : book.lines_of(invoice))
      if (l.line_no == key.second)
        return &line_left.emplace(key, detail::left_on_line(book, report, invoice, l, by_line[key], every_note, &shares))
                    .first->second;
    return nullptr;
  };

  // The tax the client paid on a line's overcharge goes back with it: each
  // note returns the tax on what is left to bill before it less the tax after
  // it, so that the notes' tax adds up to the invoice's tax recomputed on the
  // corrected lines, to the cent (rounded once, as arithmetic.tax rounds it).
  // What is left to bill is after the notes the book has on its lines too (an
  // earlier fix's), each without the tax it returned (returned_before_tax), as
  // left_on_line counts them.
  std::map<std::string, Decimal> taxable_left;
  auto tax_on = [&](const Invoice& invoice, const Decimal& amount) {
    auto [it, added] = taxable_left.try_emplace(invoice.id);
    if (added) it->second = detail::taxable_before(book, report, invoice);
    const Decimal tax = detail::tax_returned(invoice, it->second, amount);
    it->second -= amount;
    return tax;
  };

  // A discount agreed as a percentage of the lines shrinks with them: the
  // draft fix cuts it to that percentage of the corrected lines, so a note on
  // a line returns the overcharge less the part of the discount the invoice
  // no longer earns without it, before its tax (detail::DiscountShare), after
  // what the notes before it took off the lines: the book's (an earlier
  // fix's, detail::taken_off_lines) and this run's so far.
  std::map<std::string, detail::OffLines> taken_off;  // by invoice
  auto discount_share = [&](const Invoice& invoice, std::int64_t line_no, const Decimal& amount) {
    if (!invoice.discount || *invoice.discount <= Decimal{}) return Decimal{};
    auto found = taken_off.find(invoice.id);
    if (found == taken_off.end()) {
      found = taken_off.emplace(invoice.id, detail::OffLines{}).first;
      for (const auto& [n, taken] : detail::taken_off_lines(book, report, invoice, &shares))
        found->second[*n->line_no] += taken;
    }
    const Decimal share = shares.of(book, invoice, found->second, {{line_no, amount}});
    found->second[line_no] += amount;
    return share;
  };

  for (const Finding& f : report.findings) {
    if (!wants_credit_note(f, book) || remedied.count(f.fingerprint) || replaced.count(f.invoice)) continue;
    const Invoice& invoice = *book.invoice(f.invoice);
    const std::optional<LineKey> key =
        f.line.empty() ? std::nullopt : std::optional<LineKey>(LineKey{invoice.id, std::stoll(f.line)});
    Decimal amount = f.amount_at_stake->round(minor_units(invoice.currency));
    Decimal& on_invoice = left_on_invoice(invoice);
    Decimal* on_line = key ? left_on_line(invoice, *key) : nullptr;
    if (on_line && *on_line < amount) amount = *on_line;
    Decimal tax, discount;
    if (on_line && amount > Decimal{}) {
      discount = discount_share(invoice, key->second, amount);
      tax = tax_on(invoice, amount - discount);
      if (on_invoice < amount - discount + tax) tax = std::max(on_invoice - (amount - discount), Decimal{});
    }
    if (on_invoice < amount - discount) {
      amount = on_invoice;
      discount = Decimal{};
    }
    if (amount <= Decimal{}) {
      // Already returned: a note this run wrote remedies this finding too; a
      // note the book had is left as it is, and the summary names it.
      // The line's notes returned it when its cap ran out, else the invoice's.
      const bool by_line_notes = on_line && *on_line <= Decimal{};
      std::optional<std::size_t> fresh;
      if (auto it = key ? last_on_line.find(*key) : last_on_line.end(); by_line_notes && it != last_on_line.end())
        fresh = it->second;
      else if (auto inv = last_on_invoice.find(invoice.id); !by_line_notes && inv != last_on_invoice.end())
        fresh = inv->second;
      if (fresh) {
        CreditNote& by = data.credit_notes[*fresh];
        by.remedies = data.add_text(by.remedies + (by.remedies.empty() ? "" : " ") + f.fingerprint);
        add_internal_note(by, f.rule + ": " + f.message, data.text);
      } else if (auto on = key ? book_note_on_line.find(*key) : book_note_on_line.end();
                 by_line_notes && on != book_note_on_line.end()) {
        already.emplace(f.fingerprint, on->second);
      } else if (auto inv = book_note_on_invoice.find(invoice.id); inv != book_note_on_invoice.end()) {
        already.emplace(f.fingerprint, inv->second);
      }
      continue;
    }
    CreditNote note;
    for (int n = 1; note.id.empty() || ids.count(note.id); ++n) note.id = data.add_text(credit_note_id(pattern, invoice, n));
    ids.insert(note.id);
    note.client_id = invoice.client_id;
    note.invoice_id = invoice.id;
    note.date = today;
    note.amount = amount - discount + tax;
    note.reason_code = data.add_text(reason_code_of(f));
    note.reason = data.add_text(client_memo(engine, f, note.reason_code, amount, discount, tax));
    if (key) note.line_no = key->second;
    note.remedies = data.add_text(f.fingerprint);
    add_internal_note(note, f.rule + ": " + f.message, data.text);
    on_invoice -= note.amount;
    if (on_line) *on_line -= amount;
    last_on_invoice[invoice.id] = data.credit_notes.size();
    if (key) last_on_line[*key] = data.credit_notes.size();
    data.credit_notes.push_back(std::move(note));
    made.emplace_back(&f, tax);
  }

  // What the new notes may return on each invoice: what they return less
  // what the invoice under-billed, never below nothing.
  std::map<std::string, Decimal> may_return;
  std::map<std::string, std::vector<std::string>> underbilling;  // by invoice: the findings that under-billed
  for (std::size_t i = first_new; i < data.credit_notes.size(); ++i) {
    const CreditNote& note = data.credit_notes[i];
    auto [it, added] = may_return.try_emplace(note.invoice_id);
    if (added) it->second -= detail::underbilled_on(book, report, *book.invoice(note.invoice_id), shares,
                                                &underbilling[note.invoice_id]);
    it->second += note.amount;
  }
  for (auto& [id, left] : may_return) left = std::max(left, Decimal{});
  std::vector<CreditNote> kept(data.credit_notes.begin(), data.credit_notes.begin() + first_new);
  std::set<std::string> new_ids = book_ids;
  std::map<std::string, std::size_t> last_kept;  // by invoice: its last new note kept (an index into `kept`)
  std::map<std::string, Decimal> kept_amount, kept_before_tax;  // by invoice: what its new notes kept return, and before tax
  for (std::size_t i = first_new; i < data.credit_notes.size(); ++i) {
    CreditNote note = data.credit_notes[i];
    const auto& [f, tax] = made[i - first_new];
    const Invoice& invoice = *book.invoice(note.invoice_id);
    Decimal& left = may_return[note.invoice_id];
    if (left.is_zero()) {
      for (std::string& fp : remedied_by(note)) offset.insert(std::move(fp));
      netted[note.invoice_id] += note.amount;
      continue;
    }
    Decimal before_tax = note.amount - tax;
    if (left < note.amount) {
      // Cut to what is left, which leaves the invoice as corrected: it returns
      // what was left to bill before it less what its total less the notes
      // leaves to bill after it, the rest being tax, as a later fix reckons it
      // (detail::returned_before_tax): a line 10.00 over whose tax the invoice
      // charged 1.00 short returns 11.00, 10.00 and 1.00 tax, not 9.17 and 1.83.
      // Where that is more than the note (a total billed 20.00 short: 50.00
      // of the line in a note of 40.00), no tax is below nothing: it says the
      // note's amount less the tax at the rate, as it would uncut.
      before_tax = tax.is_zero() ? left : without_tax(invoice, left);
      if (!tax.is_zero())
        if (const std::optional<Decimal> after = detail::taxable_in(
                invoice, detail::left_on_invoice(book, invoice, every_note) - kept_amount[note.invoice_id] - left)) {
          const Decimal exact = detail::taxable_before(book, report, invoice) - kept_before_tax[note.invoice_id] - *after;
          if (exact >= Decimal{} && exact <= left) before_tax = exact;
        }
      const Decimal cut_tax = left - before_tax;
      note.reason = data.add_text(client_memo(engine, *f, note.reason_code, before_tax, Decimal{}, cut_tax));
      add_internal_note(note,
                        "cut from " + format_amount(note.amount, invoice.currency) + " to " +
                            format_amount(left, invoice.currency) + ", what the client overpaid on " + invoice.id +
                            " once its under-billing is counted",
                        data.text);
      note.amount = left;
    }
    left -= note.amount;
    kept_amount[note.invoice_id] += note.amount;
    if (note.line_no) kept_before_tax[note.invoice_id] += before_tax;  // what is left to bill counts lines only
    // Numbered again, so that a note left out leaves no gap.
    note.id = data.add_text(new_id(pattern, invoice, new_ids));
    last_kept[note.invoice_id] = kept.size();
    kept.push_back(std::move(note));
  }
  // The under-billing is taken off the last note kept on its invoice, the one
  // cut (the notes after it, if any, are left out), so that note names it.
  for (const auto& [id, at] : last_kept) {
    CreditNote& note = kept[at];
    const std::vector<std::string>& under = underbilling[id];
    if (under.empty()) continue;
    for (const std::string& fp : under) note.remedies = data.add_text(note.remedies + " " + fp);
    add_internal_note(note, "the under-billing on " + id + " is taken off it", data.text);
  }
  data.credit_notes = std::move(kept);
}

/// remedies.goodwill: for each issued or paid invoice on which the client was
/// overcharged by at least min_overcharge (what fix's credit notes return, or
/// for a replaced invoice the overcharges `original`, the check before the
/// fix, found on it that its replacement no longer has: once the invoice is
/// cancelled, the rules that compare invoices no longer see it), in the reason
/// codes the policy counts, one credit note with reason code `goodwill`: a
/// percent of the invoice's total (rounded half-even to the currency's minor
/// units) or a fixed amount, never above `cap` nor above what the client still
/// owes on the invoice. It goes on the replacement when the invoice was
/// reissued. Approved by the policy up to approve_above; above it (or with no
/// approve_above) approved_by is left for a person. An invoice that has a
/// goodwill note already gets no other.
void write_goodwill(const Engine& engine, BookData& data, const CheckOptions& options, const Report& original) {
  const RemediesConfig& config = engine.config().remedies;
  const Book book{BookData(data)};
  std::set<std::string> note_ids;
  for (const CreditNote& n : data.credit_notes) note_ids.insert(n.id);
  std::map<std::string, const Invoice*> replacement_of;
  for (const Invoice& i : book.invoices())
    if (const Text* of = i.extra.find("replaces")) replacement_of[*of] = &i;
  auto counts = [](const GoodwillPolicy& p, const std::string& code) {
    return p.reasons.empty() || std::find(p.reasons.begin(), p.reasons.end(), code) != p.reasons.end();
  };
  auto has_goodwill = [&](const Invoice& i) {
    for (const CreditNote* n : book.credit_notes_of_invoice(i.id))
      if (n->reason_code == "goodwill") return true;
    return false;
  };
  for (const Invoice& inv : book.invoices()) {
    const GoodwillPolicy& policy = config.goodwill_for(inv.client_id);
    if (!policy.enabled || !is_issued(inv) || book.invoices_numbered(inv.id).size() != 1) continue;
    auto r = replacement_of.find(inv.id);
    const Invoice& target = r == replacement_of.end() ? inv : *r->second;
    if (has_goodwill(inv) || has_goodwill(target)) continue;
    const std::string& cur = inv.currency;
    Decimal over;
    if (r == replacement_of.end()) {
      for (const CreditNote* n : book.credit_notes_of_invoice(inv.id))
        if (!n->remedies.empty() && counts(policy, n->reason_code)) over += n->amount;
    } else {
      std::set<std::string> corrected;  // what the replacement's remedies column names (mark_reissued)
      if (const Text* names = target.extra.find("remedies"))
        for (std::string& fp : fingerprints_in(*names)) corrected.insert(std::move(fp));
      for (const Finding& f : original.findings)
        if (f.invoice == inv.id && is_overcharge(f) && counts(policy, reason_code_of(f)) && corrected.count(f.fingerprint))
          over += *f.amount_at_stake;
    }
    if (over <= Decimal{} || over < policy.min_overcharge.in(cur).value_or(Decimal{})) continue;
    // Half-even to the currency's minor units, as the arithmetic rules round.
    const std::optional<Decimal> of_total =
        policy.percent ? std::optional((inv.total * *policy.percent / Decimal(100)).round(minor_units(cur), Rounding::half_even))
                       : std::nullopt;
    std::optional<Decimal> amount = of_total ? of_total : policy.amount.in(cur);
    if (!amount) continue;
    if (auto cap = policy.cap.in(cur); cap && *cap < *amount) amount = cap;
    Decimal left = target.total;
    for (const CreditNote* n : book.credit_notes_of_invoice(target.id)) left -= n->amount;
    if (left < *amount) amount = left;
    if (*amount <= Decimal{}) continue;
    CreditNote note;
    note.id = data.add_text(new_id(config.credit_note_id, target, note_ids));
    note.client_id = target.client_id;
    note.invoice_id = target.id;
    note.date = today_of(options);
    note.amount = *amount;
    note.reason_code = data.add_text("goodwill");
    if (auto limit = policy.approve_above.in(cur); limit && *amount <= *limit)
      note.approved_by = data.add_text("remedies.goodwill");
    nlohmann::ordered_json memo = {{"invoice", target.id}, {"currency", cur}, {"amount", format_amount(*amount, cur)},
                                   {"total", format_amount(*amount, cur)}, {"reason_code", "goodwill"},
                                   {"goodwill", true}};
    if (of_total && *of_total == *amount) memo["percent"] = policy.percent->to_string();  // not when capped
    if (&target != &inv) memo["replacement"] = target.id, memo["invoice"] = inv.id;
    note.reason = data.add_text(render_sentence(engine, "credit-note-memo", memo, kMemoVocabulary));
    add_internal_note(note,
                      "goodwill (remedies.goodwill) for " + format_amount(over, cur) + " overcharged on " + inv.id +
                          (note.approved_by.empty() ? "; above approve_above: needs a person's approval" : ""),
                      data.text);
    data.credit_notes.push_back(std::move(note));
  }
}

// Every name the supplement-line template's model can have.
constexpr std::string_view kSupplementVocabulary[] = {"invoice", "line", "discount", "tax", "underbilled"};

/// With remedies.recover_underbilling: for each issued or paid invoice that
/// under-billed (a negative amount at stake) with no supplement yet, a
/// supplementary draft invoice with one adjustment line per finding, due on
/// the client's terms, that asks the client exactly what was under-billed
/// with the tax on it: an amount before tax is a line taxed at the invoice's
/// rate; an amount of the invoice's total (tax included) a line of its net,
/// gross / (1 + rate) rounded half-even, with the rest as tax; an amount that
/// is tax a line of nothing, with the amount as tax (detail::tax_in_at_stake).
/// The supplement has the invoice's tax rate where its tax is that rate of
/// its lines (arithmetic.tax checks it), and none where it is not (tax the
/// invoice did not charge). Its `supplements` column names the invoice and
/// its `remedies` column the findings.
void write_supplements(const Engine& engine, BookData& data, const CheckOptions& options, Date today,
                       const Checked* as_loaded) {
  const CheckedNow now(engine, data, options, as_loaded);
  const Book& book = now.book();
  const Report& report = now.report();
  const detail::FindingsByInvoice by_invoice(report);
  std::map<std::string, std::vector<const Finding*>> under;  // by invoice, in report order
  for (const Finding& f : report.findings) {
    if (!is_underbilling(f) || report.remedy_of(f) || record_of(f) == RecordKind::other) continue;
    if (book.invoices_numbered(f.invoice).size() != 1 || !is_issued(*book.invoice(f.invoice))) continue;
    under[f.invoice].push_back(&f);
  }
  std::set<std::string> ids;
  for (const Invoice& i : data.invoices) ids.insert(i.id);
  const detail::DiscountShare shares(engine, options);
  for (const auto& [id, findings] : under) {
    const Invoice& was = *book.invoice(id);
    const int places = minor_units(was.currency);
    Invoice s;
    for (int n = 1; s.id.empty() || ids.count(s.id); ++n)
      s.id = data.add_text(credit_note_id(engine.config().remedies.supplement_id, was, n));
    ids.insert(s.id);
    s.client_id = was.client_id;
    s.engagement_id = was.engagement_id;
    s.issue_date = today;
    if (const Client* c = book.client(was.client_id); c && c->payment_terms_days)
      s.due_date = today.plus_days(*c->payment_terms_days);
    s.currency = was.currency;
    s.status = data.add_text("draft");
    std::string fingerprints;
    Decimal lines, before_tax, tax;  // the lines' sum; what of it is taxed at the rate; the tax besides
    detail::OffLines on_lines;       // what of before_tax was under-billed on each line of `was`
    bool untaxed = false;            // asks the tax an invoice that charged none failed to charge
    std::int32_t line_no = 0;
    for (const Finding* f : findings) {
      InvoiceLine line;
      line.invoice_id = s.id;
      line.line_no = ++line_no;
      line.type = data.add_text("adjustment");
      const detail::TaxInAtStake kind = detail::tax_in_at_stake(*f);
      nlohmann::ordered_json words = {{"invoice", was.id}};
      if (!f->line.empty()) words["line"] = f->line;
      words[f->category == "credit" ? "discount" : kind == detail::TaxInAtStake::only ? "tax" : "underbilled"] = true;
      line.description = data.add_text(render_sentence(engine, "supplement-line", words, kSupplementVocabulary));
      const Decimal amount = (-*f->amount_at_stake).round(places);
      Decimal net = amount;
      switch (kind) {
        case detail::TaxInAtStake::excluded:
          before_tax += amount;
          if (!f->line.empty()) on_lines[std::stoll(f->line)] += amount;
          break;
        case detail::TaxInAtStake::included:
          net = without_tax(was, amount);
          tax += amount - net;
          break;
        case detail::TaxInAtStake::only:
          net = Decimal{};
          tax += detail::underbilled_by(book, report, was, *f, shares);
          untaxed = untaxed || detail::charged_no_tax(was);
          break;
      }
      line.quantity = Decimal(1);
      line.rate = net;
      line.amount = net;
      lines += net;
      data.lines.push_back(std::move(line));
      fingerprints += (fingerprints.empty() ? "" : " ") + f->fingerprint;
    }
    // Tax is due on what was under-billed before tax wherever the invoice
    // names a rate, whether or not it charged the tax: what it adds to the
    // tax on the corrected lines (detail::tax_on_underbilled), so that the
    // invoice less its notes plus this is the corrected invoice to the cent.
    // Of an invoice that charged none, the tax asked for what it failed to
    // charge is on its corrected lines (detail::untaxed_due), what it
    // under-billed among them: not on its lines as billed, whose overcharges
    // its notes return untaxed.
    // A line billed short earns back its share of a discount agreed as a
    // percentage (up to what the invoice gave), which this one gives, also
    // where the tax it asks is the tax the invoice failed to charge.
    Decimal discount;
    const Decimal tax_on_under = detail::tax_on_underbilled(book, report, was, before_tax, on_lines, shares, discount);
    if (!untaxed) tax += tax_on_under;
    if (discount > Decimal{}) s.discount = discount;
    const bool charged_tax = was.tax_rate && was.tax && !was.tax->is_zero();
    if (charged_tax || !tax.is_zero()) s.tax = tax;
    if (was.tax_rate &&
        (*was.tax_rate * (lines - s.discount.value_or(Decimal{})) / Decimal(100)).round(places) == s.tax.value_or(Decimal{}))
      s.tax_rate = was.tax_rate;
    s.total = lines - s.discount.value_or(Decimal{}) + s.tax.value_or(Decimal{});
    s.extra.values.emplace_back(data.add_text("supplements"), was.id);
    s.extra.values.emplace_back(data.add_text("remedies"), data.add_text(fingerprints));
    data.invoices.push_back(std::move(s));
  }
}

/// For a payment applied to another client's invoice, the right record when
/// the book tells it: the one open invoice of the payer whose balance is the
/// payment, in its currency; else, when the payment's reference names the
/// invoice it is applied to, that invoice's client. The reason says so.
void propose_reallocation(const Engine& engine, const Book& book, OpenFinding& open) {
  const Finding& f = open.finding;
  const Payment* payment = nullptr;
  for (const Payment& p : book.payments())
    if (p.id == f.payment) payment = &p;
  const Invoice* applied = book.invoice(f.invoice);
  if (!payment || !applied) return;
  const Invoice* match = nullptr;
  int matches = 0;
  for (const Invoice* inv : book.invoices_of_client(payment->client_id)) {
    if (inv->is_void() || inv->status == "draft" || inv->currency != payment->currency) continue;
    Decimal owed = inv->total;
    for (const CreditNote* n : book.credit_notes_of_invoice(inv->id)) owed -= n->amount;
    for (const Payment* p : book.payments_of_invoice(inv->id)) owed -= p->amount;
    if (owed == payment->amount) match = inv, ++matches;
  }
  nlohmann::ordered_json model = {{"payment", payment->id}, {"currency", payment->currency},
                                  {"amount", format_amount(payment->amount, payment->currency)}};
  if (matches == 1) {
    open.reallocate = "invoice";
    open.to = match->id;
    model["to_invoice"] = match->id;
    model["client"] = payment->client_id;
    open.reason = needs_person_reason(engine, "reallocate", model);
  } else if (payment->reference.find(applied->id) != std::string::npos) {
    open.reallocate = "client";
    open.to = applied->client_id;
    model["invoice"] = applied->id;
    model["to_client"] = applied->client_id;
    open.reason = needs_person_reason(engine, "reassign", model);
  }
}

FixSummary summarize(const Engine& engine, const CheckOptions& options, const Book& before, const Report& original,
                     const Book& after, const Report& recheck,
                     const std::map<std::string, std::string>& owners, const std::map<std::string, std::string>& already,
                     const std::set<std::string>& offset, const std::map<std::string, Decimal>& netted) {
  FixSummary summary;
  // By invoice: its currency and what it under-billed that nothing recovers.
  std::map<std::string, std::pair<std::string, Decimal>> underbilled;
  // The original's findings by invoice (for findings_on, here and in the reckonings below); the re-check's.
  const detail::FindingsByInvoice by_invoice(original);
  std::set<std::string> left;
  for (const Finding& f : recheck.findings) left.insert(f.fingerprint);
  for (const Invoice& was : before.invoices()) {
    if (!is_draft(was)) continue;
    const Invoice* now = after.invoice(was.id);
    if (!now || before.invoices_numbered(was.id).size() != 1) continue;
    CorrectedInvoice corrected{was.id, was.client_id, now->currency, changes_of(before, was, after, *now), was.total,
                               now->total};
    if (corrected.changes.empty()) continue;
    // What the correction removed: the draft's findings the re-check no longer has.
    for (const Finding* f : detail::findings_on(original, was.id))
      if (!left.count(f->fingerprint)) corrected.fixed.push_back(*f);
    if (was.currency == now->currency && !now->is_void()) {
      const Decimal less = was.total - now->total;
      if (less.is_negative()) summary.added[now->currency] += -less;
      else if (!less.is_zero()) summary.returned[now->currency] += less;
    }
    summary.corrected.push_back(std::move(corrected));
  }
  for (const Invoice& inv : after.invoices()) {
    const Text* of = inv.extra.find("supplements");
    if (of && !before.invoice(inv.id)) summary.supplementary.push_back({inv.id, *of, inv.client_id, inv.currency, inv.total});
    const Text* replaces = inv.extra.find("replaces");
    const Invoice* was = replaces ? after.invoice(*replaces) : nullptr;
    if (!was || before.invoice(inv.id)) continue;
    std::string note_id;
    for (const CreditNote* n : after.credit_notes_of_invoice(was->id))
      if (n->reason_code == "reissue") note_id = n->id;
    const Decimal owed = detail::owed_now(after, inv, was);
    summary.reissued.push_back({was->id, inv.id, note_id, inv.client_id, inv.currency, was->total, inv.total,
                                detail::carried_from(after, *was), owed});
  }
  // Note ids before; invoices with a new note; invoices with a note of fix (one naming a finding).
  std::set<std::string> existing, new_notes_on, credited_by_fix;
  for (const CreditNote& note : before.credit_notes()) existing.insert(note.id);
  std::map<std::string, std::string> note_of;  // fingerprint -> the credit note that remedies it
  for (const CreditNote& note : after.credit_notes()) {
    for (const std::string& fp : remedied_by(note)) note_of.emplace(fp, note.id);
    if (!existing.count(note.id)) {
      const Invoice* invoice = after.invoice(note.invoice_id);
      const std::string currency = invoice ? invoice->currency : std::string();
      summary.credit_notes.push_back({note, currency});
      summary.credited[currency] += note.amount;
      if (note.reason_code == "goodwill") summary.goodwill[currency] += note.amount;
      new_notes_on.insert(note.invoice_id);
    }
    if (note.reason_code == "reissue" || note.reason_code == "goodwill") credited_by_fix.insert(note.invoice_id);
    if (!note.remedies.empty()) {
      credited_by_fix.insert(note.invoice_id);
      if (const Invoice* invoice = after.invoice(note.invoice_id)) summary.issued_overcharged[invoice->currency] += note.amount;
    }
  }
  std::set<std::string> found_before;
  for (const Finding& f : original.findings) found_before.insert(f.fingerprint);
  const detail::DiscountShare shares(engine, options);
  std::map<std::string, Decimal> left_out = netted;  // by invoice: what of its netted under-billing no note took
  std::map<const Invoice*, std::set<std::string>> as_fix_would;  // by invoice: overcharges no note of fix's returns
  std::map<std::string, const Invoice*> replacement_of;  // by the invoice it replaces, this run's or an earlier one's
  for (const Invoice& i : after.invoices())
    if (const Text* of = i.extra.find("replaces")) replacement_of.emplace(*of, &i);
  std::unordered_map<std::string_view, const CreditNote*> goodwill_notes;  // by id; the last of a number used twice
  for (const CreditNote& n : after.credit_notes())
    if (n.reason_code == "goodwill") goodwill_notes[n.id.view()] = &n;
  for (const Finding& f : recheck.findings) {
    // An invoice already paid that a credit note of fix puts in credit (now,
    // or in an earlier run): the client is owed that money back, which is
    // what the note is for, not an error of the book.
    if (f.category == "payments" && credited_by_fix.count(f.invoice) &&
        (!found_before.count(f.fingerprint) || !new_notes_on.count(f.invoice))) {
      // What was paid on a replaced invoice pays its replacement first: only the rest is owed back.
      const auto r = replacement_of.find(f.invoice);
      const Invoice* was = r == replacement_of.end() ? nullptr : after.invoice(f.invoice);
      if (was) {
        const Decimal owed = detail::owed_now(after, *r->second, was);
        if (owed.is_negative()) {
          summary.refunds_due[r->second->currency] -= owed;
          summary.refunds.push_back({f, r->second->id, detail::carried_from(after, *was), -owed});
        }
      } else {
        if (f.amount_at_stake) summary.refunds_due[f.currency] += *f.amount_at_stake;
        summary.refunds.push_back({f, {}, {}, {}});
      }
      continue;
    }
    const Invoice* invoice = f.invoice.empty() || record_of(f) == RecordKind::other ? nullptr : before.invoice(f.invoice);
    if (invoice && !is_draft(*invoice) && !invoice->is_void()) {
      auto note = note_of.find(f.fingerprint);
      const Remedy* remedy = recheck.remedy_of(f);
      const auto earlier = already.find(f.fingerprint);
      // Under-billing a credit note names was taken off that note.
      const bool netted_off = is_underbilling(f) && note != note_of.end();
      IssuedFinding issued{f, note != note_of.end()    ? note->second
                              : earlier != already.end() ? earlier->second
                                                         : std::string(),
                           remedy && remedy->kind == "corrected" ? remedy->id : std::string(),
                           remedy && remedy->kind == "reissued" ? remedy->id : std::string(),
                           offset.count(f.fingerprint) > 0, netted_off, Decimal{}};
      if (is_underbilling(f)) {
        // Less the part of a discount agreed as a percentage the line billed short earns back.
        const Decimal under = detail::underbilled_by(before, original, *invoice, f, shares);
        Decimal discount;
        const Decimal paid = detail::with_tax(before, original, *invoice, f, under, shares, &discount);
        issued.netted_amount = under - discount;
        issued.netted_tax = paid - issued.netted_amount;
      }
      if (netted_off) {
        // The notes left out took the first of it: the note returns only the rest less.
        if (auto n = left_out.find(f.invoice); n != left_out.end()) {
          issued.offsets = std::min(n->second, issued.netted_amount + issued.netted_tax);
          n->second -= issued.offsets;
        }
      }
      // Credited findings count at what their notes return (two findings on
      // one line overlap); the rest (a note of the firm's own returns them, or
      // none does) at what a note of fix's would return, the tax on a line's
      // included, but for those the invoice's under-billing outweighs (the
      // client did not overpay).
      if (is_overcharge(f) && note == note_of.end() && !offset.count(f.fingerprint))
        as_fix_would[invoice].insert(f.fingerprint);
      // Under-billing counts less what the overcharges left uncredited offset.
      if (is_underbilling(f) && !netted_off && !(remedy && remedy->kind == "corrected")) {
        auto [it, first] = underbilled.try_emplace(f.invoice, f.currency, Decimal{});
        it->second.second += issued.netted_amount + issued.netted_tax;
        if (auto n = netted.find(f.invoice); first && n != netted.end()) issued.offsets = n->second;
      }
      summary.issued.push_back(std::move(issued));
      continue;
    }
    const bool new_note = !f.credit_note.empty() && !existing.count(f.credit_note);
    const auto g = new_note ? goodwill_notes.find(f.credit_note) : goodwill_notes.end();
    const CreditNote* goodwill = g == goodwill_notes.end() ? nullptr : g->second;
    std::string reason;
    if (goodwill) {
      const Invoice* on = after.invoice(goodwill->invoice_id);
      const std::string cur = on ? on->currency : f.currency;
      nlohmann::ordered_json model = {{"currency", cur}, {"amount", format_amount(goodwill->amount, cur)}};
      if (auto limit = engine.config().remedies.goodwill_for(goodwill->client_id).approve_above.in(cur))
        model["approve_above"] = format_amount(*limit, cur);
      reason = needs_person_reason(engine, "goodwill_approval", model);
    } else {
      reason = new_note ? needs_person_reason(engine, "new_note") : open_reason(engine, f, owners);
    }
    OpenFinding open{f, std::move(reason), {}, {}};
    if (f.rule == "payments.misapplied") propose_reallocation(engine, after, open);
    summary.needs_person.push_back(std::move(open));
  }
  const auto no_note = [](const CreditNote&) { return false; };
  for (const auto& entry : as_fix_would) {  // (not a structured binding: clang 14 cannot capture one)
    const std::set<std::string>& fingerprints = entry.second;
    summary.issued_overcharged[entry.first->currency] += detail::returned_for(
        before, original, *entry.first, [&](const Finding& g) { return fingerprints.count(g.fingerprint) > 0; },
        no_note, shares);
  }
  for (const auto& [invoice, under] : underbilled) {
    const auto n = netted.find(invoice);
    const Decimal left = n == netted.end() ? under.second : under.second - n->second;
    if (left > Decimal{}) summary.issued_underbilled[under.first] += left;
  }
  return summary;
}

// ---- the summary as a document ----

using Json = nlohmann::ordered_json;

Json money_list(const std::map<std::string, Decimal>& by_currency) {
  Json list = Json::array();
  for (const auto& [currency, amount] : by_currency)
    list.push_back({{"currency", currency}, {"amount", format_amount(amount, currency)}});
  return list;
}

Json finding_json(const Finding& f) {
  // Only the keys a finding has, so that a template's {{#line}} means "on a line".
  Json j = {{"rule", f.rule}};
  if (!f.invoice.empty()) j["invoice"] = f.invoice;
  if (!f.line.empty()) j["line"] = f.line;
  j["message"] = f.message;
  if (!f.payment.empty()) j["payment"] = f.payment;
  if (!f.credit_note.empty()) j["credit_note"] = f.credit_note;
  if (f.amount_at_stake) j["amount_at_stake"] = format_amount(*f.amount_at_stake, f.currency);
  j["currency"] = f.currency;
  return j;
}

Json summary_model(const FixSummary& s) {
  Json corrected = Json::array();
  for (const CorrectedInvoice& c : s.corrected) {
    Json changes = Json::array();
    for (const FieldChange& ch : c.changes)
      changes.push_back({{"record", ch.record}, {"field", ch.field}, {"from", ch.from}, {"to", ch.to}});
    Json fixed = Json::array();
    for (const Finding& f : c.fixed) {
      Json j = finding_json(f);
      j["remedy"] = {{"kind", "corrected"}, {"id", c.invoice}};
      fixed.push_back(std::move(j));
    }
    corrected.push_back({{"invoice", c.invoice},
                         {"client", c.client},
                         {"currency", c.currency},
                         {"total_before", format_amount(c.total_before, c.currency)},
                         {"total_after", format_amount(c.total_after, c.currency)},
                         {"changes", std::move(changes)},
                         {"fixed", std::move(fixed)}});
  }
  Json issued = Json::array();
  for (const IssuedFinding& i : s.issued) {
    Json j = finding_json(i.finding);
    if (i.netted) {
      j["netted_by"] = i.credit_note;
      j["netted_amount"] = format_amount(i.netted_amount, i.finding.currency);
      if (!i.netted_tax.is_zero()) j["netted_tax"] = format_amount(i.netted_tax, i.finding.currency);
      j["netted_total"] = format_amount(i.netted_amount + i.netted_tax - i.offsets, i.finding.currency);
    } else if (!i.credit_note.empty()) j["credited_by"] = i.credit_note;
    else if (!i.recovered_by.empty()) j["recovered_by"] = i.recovered_by;
    else if (!i.reissued_by.empty()) j["reissued_by"] = i.reissued_by;
    else if (i.offset) j["offset"] = true;
    else if (is_overcharge(i.finding)) j["uncredited"] = true;
    else if (is_underbilling(i.finding)) j["underbilled"] = true;
    if ((j.contains("underbilled") || i.netted) && !i.offsets.is_zero())
      j["offsets"] = format_amount(i.offsets, i.finding.currency);
    if (j.contains("underbilled") && !i.netted_tax.is_zero())
      j["underbilled_tax"] = format_amount(i.netted_tax, i.finding.currency);
    issued.push_back(std::move(j));
  }
  Json supplementary = Json::array();
  for (const SupplementaryInvoice& x : s.supplementary)
    supplementary.push_back({{"id", x.id}, {"invoice", x.invoice}, {"client", x.client}, {"currency", x.currency},
                             {"total", format_amount(x.total, x.currency)}});
  Json reissued = Json::array();
  for (const ReissuedInvoice& x : s.reissued) {
    Json j = {{"invoice", x.invoice},
              {"replacement", x.replacement},
              {"credit_note", x.credit_note},
              {"client", x.client},
              {"currency", x.currency},
              {"total_before", format_amount(x.total_before, x.currency)},
              {"total_after", format_amount(x.total_after, x.currency)}};
    // Only the keys that apply, so that a template's {{#carried}} means "something was paid".
    if (x.carried > Decimal{}) j["carried"] = format_amount(x.carried, x.currency);
    if (x.owed > Decimal{}) j["to_pay"] = format_amount(x.owed, x.currency);
    else if (x.owed.is_negative()) j["owed_back"] = format_amount(-x.owed, x.currency);
    else j["settled"] = true;
    reissued.push_back(std::move(j));
  }
  Json refunds = Json::array();
  for (const Refund& r : s.refunds) {
    Json j = finding_json(r.finding);
    if (!r.replacement.empty()) {  // only then, so that a template's {{#replacement}} means "replaced"
      j["replacement"] = r.replacement;
      j["carried"] = format_amount(r.carried, r.finding.currency);
      j["owed_back"] = format_amount(r.owed_back, r.finding.currency);
    }
    refunds.push_back(std::move(j));
  }
  Json notes = Json::array();
  for (const auto& [n, currency] : s.credit_notes) {
    Json j = {{"id", n.id}, {"invoice", n.invoice_id}};
    if (n.line_no) j["line"] = std::to_string(*n.line_no);
    j["currency"] = currency;
    j["amount"] = format_amount(n.amount, currency);
    j["reason_code"] = n.reason_code;
    j["reason"] = n.reason;
    j["remedies"] = n.remedies;
    notes.push_back(std::move(j));
  }
  Json needs = Json::array();
  for (const OpenFinding& o : s.needs_person) {
    Json j = finding_json(o.finding);
    j["reason"] = o.reason;
    if (!o.reallocate.empty()) j["proposed"] = {{"reallocate", o.reallocate}, {"to", o.to}};
    needs.push_back(std::move(j));
  }
  return Json{{"corrected", std::move(corrected)},
              {"returned", money_list(s.returned)},
              {"added", money_list(s.added)},
              {"credit_notes", std::move(notes)},
              {"credited", money_list(s.credited)},
              {"issued", std::move(issued)},
              {"issued_overcharged", money_list(s.issued_overcharged)},
              {"issued_underbilled", money_list(s.issued_underbilled)},
              {"supplementary", std::move(supplementary)},
              {"reissued", std::move(reissued)},
              {"goodwill", money_list(s.goodwill)},
              {"has_refunds", !s.refunds.empty()},
              {"refunds", std::move(refunds)},
              {"refunds_due", money_list(s.refunds_due)},
              {"needs_person", std::move(needs)}};
}

// Every name the fix-summary model can have, for the template check.
constexpr std::string_view kFixVocabulary[] = {
    "corrected", "invoice",         "client",  "currency",    "total_before", "total_after",
    "changes",   "record",          "field",   "from",        "to",           "returned",
    "amount",    "added",           "issued",  "rule",        "line",         "message",
    "payment",   "credit_note",     "amount_at_stake",        "issued_overcharged",
    "needs_person", "reason", "credit_notes", "credited", "id", "reason_code", "remedies", "credited_by",
    "uncredited", "underbilled", "issued_underbilled", "refunds", "refunds_due", "has_refunds",
    "recovered_by", "supplementary", "total", "fixed", "remedy", "kind", "reissued", "replacement",
    "reissued_by", "goodwill", "carried", "to_pay", "owed_back", "settled", "offset", "netted_by", "offsets",
    "netted_amount", "netted_tax", "netted_total", "underbilled_tax"};

FixResult fix_book_figures(const Engine& engine, BookData data, const CheckOptions& options, const FixOptions& fix) {
  // A copy of BookData shares the text of its records (a TextStore copy keeps
  // the blocks it shares alive), so every copy's records stay valid.
  BookData work(data);
  const Book before{BookData(data)};
  const Report original = engine.check(before, options);
  // The steps before the credit notes check the book as they find it; while
  // none has changed it, that is the book as loaded, checked already.
  const Checked as_loaded{&before, &original};
  bool unchanged = true;
  // First, so that the draft rounds settle a supplement or a replacement like any other draft.
  if (engine.config().remedies.recover_underbilling) {
    const std::size_t records = work.invoices.size() + work.lines.size();  // (it only adds invoices and lines)
    write_supplements(engine, work, options, today_of(options), &as_loaded);
    unchanged = records == work.invoices.size() + work.lines.size();
  }
  if (fix.reissue) {
    write_reissues(engine, work, options);
    unchanged = false;
  }
  std::map<std::string, std::string> owners;
  for (int round = 0; round < kMaxRounds; ++round) {
    if (!apply_round(engine, work, options, owners, unchanged ? &as_loaded : nullptr)) break;  // (nothing applied: nothing changed)
    unchanged = false;
  }
  std::map<std::string, std::string> already;  // fingerprint -> a note the book had that returns its money
  std::set<std::string> offset;                 // overcharges the invoice's under-billing outweighs
  std::map<std::string, Decimal> netted;        // by invoice: what those overcharges offset of its under-billing
  write_credit_notes(engine, work, options, already, offset, netted, unchanged ? &as_loaded : nullptr);
  if (!replaced_invoices(work).empty()) mark_reissued(engine, work, options, original);
  write_goodwill(engine, work, options, original);
  Book after{std::move(work)};
  Report recheck = engine.check(after, options);
  FixSummary summary = summarize(engine, options, before, original, after, recheck, owners, already, offset, netted);
  return FixResult{std::move(after), std::move(recheck), std::move(summary)};
}

}  // namespace

FixResult fix_book(const Engine& engine, BookData data, const CheckOptions& options, const FixOptions& fix) {
  return detail::with_book_figures([&] { return fix_book_figures(engine, std::move(data), options, fix); });
}

std::string fix_summary(const FixSummary& summary, DocumentFormat format) {
  const Json model = summary_model(summary);
  if (format == DocumentFormat::json) return model.dump(2) + "\n";
  if (format != DocumentFormat::text) throw std::invalid_argument("the fix summary is written as text or JSON");
  return detail::render_template(detail::bundled_template_dir(), "fix-summary", detail::Markup::text, model,
                                 kFixVocabulary, detail::Reader::person);
}

}  // namespace billcheck
