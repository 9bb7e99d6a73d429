#include <billcheck/remedies.hpp>

#include "remedies/owed.hpp"
#include "remedies/figures.hpp"
#include "remedies/underbilled.hpp"
#include "render/templates.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

namespace billcheck {
namespace {

using Json = nlohmann::ordered_json;

// Every name a letter's model can hold (docs/remedies.md lists them for
// template writers); the optional ones are absent when there is no value.
constexpr std::string_view kLetterVocabulary[] = {
    "date", "firm", "name", "contact", "email", "phone", "signoff", "client", "id", "invoice_list",
    "has_errors", "error_count", "one_error", "errors", "invoice", "line", "description", "currency", "billed",
    "should_be", "difference", "reason", "credit_note", "amount", "credit_notes", "has_credit_notes",
    "has_uncredited", "uncredited", "one_uncredited", "tax_on_it", "discount_on_it", "has_remedies", "reissues",
    "replacement",
    "total", "goodwill", "balances", "to_pay", "due_date", "settled", "owed_back", "replaces", "reissued_by", "has_balances",
    "netted", "offsets", "has_balanced", "balanced", "overlaps"};

// Whether a finding belongs in a letter to the client: a billing mistake of
// the firm's that made the client pay more than they owe. Left out: findings
// that are the firm's own business rather than the client's bill (credit.* —
// a credit limit or an overdue balance is the firm's exposure, and telling the
// client about it is a collections letter, not an apology; client-info.* —
// gaps in the firm's own client records; payments.* — a payment the firm
// applied to the wrong invoice or client is corrected in the firm's ledger,
// the client paid what they owed), data and internal findings (the book
// itself), and under-billing (the client was not harmed; recovering it is a
// different conversation).
bool tells_the_client(const Finding& f) {
  if (!f.amount_at_stake || *f.amount_at_stake <= Decimal{}) return false;
  static const std::set<std::string, std::less<>> kFirmInternal = {"credit", "client-info", "payments", "data",
                                                                   "internal"};
  return !kFirmInternal.contains(f.category);
}

// Every name the letter-reason template's model can have.
constexpr std::string_view kReasonVocabulary[] = {"tax",      "discount", "arithmetic", "rates", "duplicates",
                                                  "services", "guidelines", "timing",   "other"};

// Why the charge was wrong, in words a client uses (no rule ids): the
// letter-reason.txt template (the firm's when its folder has one), given
// which kind of error it is.
std::string plain_reason(const Finding& f, const std::filesystem::path& dir) {
  std::string kind = f.rule.find("tax") != std::string::npos        ? "tax"
                     : f.rule.find("discount") != std::string::npos ? "discount"
                                                                    : f.category;
  if (std::find(std::begin(kReasonVocabulary), std::end(kReasonVocabulary), kind) == std::end(kReasonVocabulary))
    kind = "other";
  std::error_code ec;
  const auto from = std::filesystem::exists(dir / "letter-reason.txt", ec) ? dir : detail::bundled_template_dir();
  std::string text =
      detail::render_template(from, "letter-reason", detail::Markup::text, Json{{kind, true}}, kReasonVocabulary);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

const InvoiceLine* line_of(const Book& book, const Invoice& inv, std::string_view line_no) {
  for (const InvoiceLine& l : book.lines_of(inv))
    if (std::to_string(l.line_no) == line_no) return &l;
  return nullptr;
}

const CreditNote* credit_note(const Book& book, const Invoice& inv, std::string_view id) {
  for (const CreditNote* n : book.credit_notes_of_invoice(inv.id))
    if (n->id == id) return n;
  return nullptr;
}

Json credit_note_json(const CreditNote& n, const Invoice& inv, std::string_view date_format) {
  return Json{{"id", n.id},
              {"invoice", inv.id},
              {"date", format_date(n.date, date_format)},
              {"currency", inv.currency},
              {"amount", format_amount(n.amount, inv.currency)}};
}

// The credit notes that return an error: the one that names it, and every
// correction of the firm's own on the same line (detail::is_firms_correction),
// which fix counts as that line's credit.
std::vector<const CreditNote*> notes_returning(const Book& book, const Report& report, const Invoice& inv,
                                               const Finding& f) {
  const Remedy* remedy = report.remedy_of(f);
  const CreditNote* named = remedy ? credit_note(book, inv, remedy->id) : nullptr;
  std::vector<const CreditNote*> line_notes;
  if (named) line_notes.push_back(named);
  if (!f.line.empty())
    for (const CreditNote* n : book.credit_notes_of_invoice(inv.id))
      if (n->line_no && std::to_string(*n->line_no) == f.line && detail::is_firms_correction(*n))
        line_notes.push_back(n);
  return line_notes;
}

// One error as the data of one sentence: what was billed (the line's amount,
// or the invoice's total), what it should have been (less the amount the
// client was overcharged), the difference and the tax on it, and the credit
// notes that return it.
Json error_json(const Book& book, const Report& report, const Invoice& inv, const Finding& f, Json& notes,
                std::set<std::string>& noted, std::string_view date_format, const std::filesystem::path& dir,
                const detail::DiscountShare& shares) {
  const Remedy* remedy = report.remedy_of(f);
  const std::vector<const CreditNote*> line_notes = notes_returning(book, report, inv, f);
  // What the client was charged too much: the amount at stake, but of two
  // errors on one line (they overlap, and fix credits the line once) the
  // later only what it adds to the earlier (detail::share_of_line), so that
  // the errors add up to what the line's notes return. A note returns less
  // than the error for another reason too (the invoice's under-billing taken
  // off it, or the firm's own note on the line returning part): the error is
  // still that much; the notes say what goes back.
  Decimal before;
  const Decimal over = f.line.empty() ? *f.amount_at_stake : detail::share_of_line(book, report, inv, f, before);
  // "The error above" is one the letter states: an error before it on the line
  // that the letter leaves out (tells_the_client) is neither worded as above
  // nor taken off what the line should have been.
  if (!f.line.empty())
    for (const Finding& g : report.findings) {
      if (&g == &f) break;
      if (Decimal unused; g.invoice == inv.id && g.line == f.line && detail::is_overcharge(g) && !tells_the_client(g))
        before -= detail::share_of_line(book, report, inv, g, unused);
    }
  Json j;
  j["invoice"] = inv.id;
  Decimal billed = inv.total;
  if (const InvoiceLine* l = f.line.empty() ? nullptr : line_of(book, inv, f.line)) {
    j["line"] = l->line_no;
    j["description"] = l->description;
    billed = l->amount;
  }
  j["currency"] = inv.currency;
  j["billed"] = format_amount(billed, inv.currency);
  j["should_be"] = format_amount(billed - before - over, inv.currency);
  j["difference"] = format_amount(over, inv.currency);
  if (!before.is_zero()) j["overlaps"] = true;
  j["reason"] = plain_reason(f, dir);
  // The tax paid on the overcharge of a line goes back with it (billcheck fix),
  // reckoned as fix reckoned its note's: on what was left to bill before that
  // note, after the notes written before it (an earlier fix's too, whatever
  // line they credit), and no more than the invoice's total left it
  // (detail::tax_returned_by). Credited by the firm's own notes only, as a
  // note of fix's would have been written, after the overcharges before it.
  if (!line_notes.empty() && !f.line.empty()) {
    const CreditNote* own = remedy && remedy->kind == "credit_note" ? credit_note(book, inv, remedy->id) : nullptr;
    const bool on_its_line = own && own->line_no && std::to_string(*own->line_no) == f.line;
    Decimal discount = on_its_line ? detail::discount_kept_by(book, report, inv, *own, over, shares) : Decimal{};
    const Decimal tax = on_its_line ? detail::tax_returned_by(book, report, inv, *own, over - discount)
                                    : detail::tax_returned_with(book, report, inv, f, over, shares, discount);
    if (!discount.is_zero()) j["discount_on_it"] = format_amount(discount, inv.currency);
    if (!tax.is_zero()) j["tax_on_it"] = format_amount(tax, inv.currency);
  }
  if (!line_notes.empty()) {
    j["credit_note"] = credit_note_json(*line_notes.front(), inv, date_format);
    for (const CreditNote* n : line_notes)
      if (noted.insert(n->id).second) notes.push_back(credit_note_json(*n, inv, date_format));
  }
  if (remedy && remedy->kind == "reissued") j["reissued_by"] = remedy->id;
  return j;
}


// What the client owes now on an invoice whose credit notes changed it (or on
// the replacement of one reissued, with what they paid on the one it
// replaces counted towards it): left to pay and by when, nothing, or owed back.
Json balance_json(const Book& book, const Invoice& inv, const Invoice* replaces, std::string_view date_format) {
  const Decimal owed = detail::owed_now(book, inv, replaces);
  Json j = {{"invoice", inv.id}, {"currency", inv.currency}};
  if (replaces) j["replaces"] = replaces->id;
  if (owed > Decimal{}) {
    j["to_pay"] = format_amount(owed, inv.currency);
    if (inv.due_date) j["due_date"] = format_date(*inv.due_date, date_format);
  } else if (owed.is_zero()) {
    j["settled"] = true;
  } else {
    j["owed_back"] = format_amount(-owed, inv.currency);
  }
  return j;
}

// What the invoice under-billed that `fix` took off a credit note rather than
// ask the client for it (the note names those findings as it remedies): the
// amount and the tax on it where it was before tax, and the note, so that
// the client sees why the note returns less than the overcharges. Where it
// outweighed an overcharge, fix wrote that one no note (`offsets`: what it
// takes off those, what their notes would have returned, with their tax),
// and the note returns only the rest less.
// Null when nothing was.
Json netted_json(const Book& book, const Report& report, const Invoice& inv, std::string_view date_format,
                 const detail::DiscountShare& shares) {
  // What the notes fix left out would have returned, as fix reckons notes:
  // what notes for all the overcharges return less what those for the ones
  // credited do, so that two errors on one line count once, as its notes do.
  // Reckoned after the firm's own notes, as fix reckoned them (it wrote its notes after those).
  const auto credited = [&](const Finding& f) {
    return tells_the_client(f) && !notes_returning(book, report, inv, f).empty();
  };
  Decimal offsets = detail::returned_for(book, report, inv, tells_the_client, detail::is_firms_correction, shares) -
                    detail::returned_for(book, report, inv, credited, detail::is_firms_correction, shares);
  Decimal amount, tax;
  const CreditNote* note = nullptr;
  for (const Finding& f : report.findings) {
    const Remedy* remedy = detail::underbills(f, inv) ? report.remedy_of(f) : nullptr;
    const CreditNote* by = remedy && remedy->kind == "credit_note" ? credit_note(book, inv, remedy->id) : nullptr;
    if (!by) continue;
    if (!note) note = by;
    // Less the part of a discount agreed as a percentage the line billed short earns back.
    const Decimal under = detail::underbilled_by(book, report, inv, f, shares);
    Decimal discount;
    const Decimal paid = detail::with_tax(book, report, inv, f, under, shares, &discount);
    amount += under - discount;
    tax += paid - (under - discount);
  }
  if (!note) return nullptr;
  offsets = std::min(offsets, amount + tax);
  Json j = {{"invoice", inv.id}, {"currency", inv.currency}, {"amount", format_amount(amount, inv.currency)}};
  if (!tax.is_zero()) j["tax_on_it"] = format_amount(tax, inv.currency);
  j["total"] = format_amount(amount + tax - offsets, inv.currency);
  if (!offsets.is_zero()) j["offsets"] = format_amount(offsets, inv.currency);
  j["credit_note"] = credit_note_json(*note, inv, date_format);
  return j;
}

Json firm_json(const FirmInfo& firm) {
  // A value the config does not give is absent, so that a template section
  // `{{#firm.phone}}…{{/firm.phone}}` shows only what the firm wrote.
  Json j = Json::object();
  for (auto [key, value] : {std::pair{"name", &firm.name}, std::pair{"contact", &firm.contact},
                            std::pair{"email", &firm.email}, std::pair{"phone", &firm.phone}})
    if (!value->empty()) j[key] = *value;
  j["signoff"] = firm.signoff.empty() ? std::string("Yours sincerely,") : firm.signoff;
  return j;
}

std::string letter_figures(const Engine& engine, const Book& book, const LetterRequest& request, DocumentFormat format) {
  const Client* client = book.client(request.client);
  if (!client) throw UnknownRecord("no client '" + request.client + "' in the book (give a client_id the book has)");
  std::vector<const Invoice*> invoices;
  for (const std::string& id : request.invoices) {
    const Invoice* inv = book.invoice(id);
    if (!inv) throw UnknownInvoice(id);
    if (inv->client_id != client->id)
      throw UnknownRecord("invoice " + id + " is not client " + client->id + "'s (it is " + inv->client_id + "'s)");
    // A void invoice bills nothing: a letter reviewing it would tell the
    // client it was "as agreed", of a bill they do not owe.
    if (inv->is_void())
      throw UnknownRecord("invoice " + id + " is void: it bills the client nothing, so a letter has nothing to say "
                          "of it (leave it out; a letter without invoices named reviews the others)");
    // An invoice named twice is written of once: its errors are counted once.
    if (std::find(invoices.begin(), invoices.end(), inv) == invoices.end()) invoices.push_back(inv);
  }
  if (request.invoices.empty()) {
    for (const Invoice* inv : book.invoices_of_client(client->id))
      // A draft has not been sent: the client has nothing to hear about it
      // (`billcheck fix` corrects it before it goes out); a void one bills
      // nothing, so it is not among the invoices reviewed either.
      if (inv->status != "draft" && !inv->is_void()) invoices.push_back(inv);
  }

  const LettersConfig& letters = engine.config().letters;
  const auto dir = !request.templates.empty()  ? request.templates
                   : !letters.templates.empty() ? letters.templates
                                                : detail::bundled_template_dir();
  const Report report = engine.check(book, request.check);
  const detail::DiscountShare shares(engine, request.check);
  const detail::FindingsByInvoice by_invoice(report);
  Json errors = Json::array(), notes = Json::array();
  std::set<std::string> noted;
  std::size_t uncredited = 0;
  std::string invoice_list;
  Json reissues = Json::array(), goodwill = Json::array(), balances = Json::array(), netted = Json::array();
  Json balanced = Json::array();  // invoices whose under-billing outweighs their overcharges
  for (const Invoice* inv : invoices) {
    invoice_list += (invoice_list.empty() ? "" : ", ") + inv->id;
    const std::size_t noted_before = noted.size();
    std::string replacement;
    // An invoice that under-billed as much as its notes would return (two
    // errors on one line counted once, as fix credits them) did not make the
    // client pay more than they owe: fix credits nothing on it, and the
    // letter neither says "too much" of what no note returns nor promises one.
    // Reckoned after the firm's own notes and never beyond the invoice, as fix reckons its notes.
    const bool overpaid =
        detail::returned_for(book, report, *inv, tells_the_client, detail::is_firms_correction, shares) >
        detail::underbilled_on(book, report, *inv, shares);
    // An overcharge with no note on an invoice whose under-billing fix took
    // off its notes was offset by it (netted_json says so): no note is to come.
    const Json netted_here = netted_json(book, report, *inv, letters.date_format, shares);
    bool outweighed = false;  // an overcharge the invoice's under-billing outweighs
    for (const Finding& f : report.findings) {
      if (f.invoice != inv->id || !tells_the_client(f)) continue;
      // An error whose money the errors before it on its line take in full adds nothing to say.
      if (Decimal before; !f.line.empty() && detail::share_of_line(book, report, *inv, f, before).is_zero()) continue;
      if (!overpaid && notes_returning(book, report, *inv, f).empty()) {
        outweighed = true;
        continue;
      }
      errors.push_back(error_json(book, report, *inv, f, notes, noted, letters.date_format, dir, shares));
      if (errors.back().contains("reissued_by")) replacement = errors.back()["reissued_by"].get<std::string>();
      else if (!errors.back().contains("credit_note") && netted_here.is_null()) ++uncredited;
    }
    if (outweighed) balanced.push_back({{"invoice", inv->id}});
    // A reissued invoice: the note that cancels it, and the replacement to pay instead.
    const Invoice* r = replacement.empty() ? nullptr : book.invoice(replacement);
    if (r) {
      for (const CreditNote* n : book.credit_notes_of_invoice(inv->id)) {
        if (n->reason_code != "reissue") continue;
        Json j = credit_note_json(*n, *inv, letters.date_format);
        j["replacement"] = r->id;
        j["total"] = format_amount(r->total, r->currency);
        reissues.push_back(std::move(j));
      }
    }
    // Goodwill credits on the invoice (or on its replacement), which the letter
    // mentions only beside the errors they are for.
    if (errors.empty() || errors.back()["invoice"] != inv->id) continue;
    if (!netted_here.is_null()) netted.push_back(netted_here);
    for (const Invoice* on : {inv, r}) {
      if (!on) continue;
      for (const CreditNote* n : book.credit_notes_of_invoice(on->id))
        if (n->reason_code == "goodwill" && noted.insert(n->id).second)
          goodwill.push_back(credit_note_json(*n, *on, letters.date_format));
    }
    if (r) balances.push_back(balance_json(book, *r, inv, letters.date_format));
    else if (noted.size() > noted_before)
      balances.push_back(balance_json(book, *inv, nullptr, letters.date_format));
  }

  const Date today = request.date ? *request.date
                     : request.check.today
                         ? *request.check.today
                         : Date(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()));
  Json model;
  model["date"] = format_date(today, letters.date_format);
  model["firm"] = firm_json(engine.config().firm);
  model["client"] = {{"id", client->id}, {"name", client->name.empty() ? client->id : client->name}};
  model["invoice_list"] = invoice_list;
  model["has_errors"] = !errors.empty();
  model["error_count"] = errors.size();
  model["one_error"] = errors.size() == 1;
  model["errors"] = std::move(errors);
  model["has_remedies"] = !notes.empty() || !reissues.empty() || !goodwill.empty();
  model["has_credit_notes"] = !notes.empty();
  model["credit_notes"] = std::move(notes);
  model["netted"] = std::move(netted);
  model["reissues"] = std::move(reissues);
  model["goodwill"] = std::move(goodwill);
  model["has_balances"] = !balances.empty();
  model["balances"] = std::move(balances);
  model["has_balanced"] = !balanced.empty();
  model["balanced"] = std::move(balanced);
  model["has_uncredited"] = uncredited > 0;
  model["uncredited"] = uncredited;
  model["one_uncredited"] = uncredited == 1;

  if (format == DocumentFormat::json) return model.dump(2) + "\n";
  const auto markup = format == DocumentFormat::html       ? detail::Markup::html
                      : format == DocumentFormat::markdown ? detail::Markup::markdown
                                                           : detail::Markup::text;
  return detail::render_template(dir, "letter", markup, model, kLetterVocabulary, detail::Reader::person);
}

}  // namespace

std::string letter(const Engine& engine, const Book& book, const LetterRequest& request, DocumentFormat format) {
  return detail::with_book_figures([&] { return letter_figures(engine, book, request, format); });
}

}  // namespace billcheck
