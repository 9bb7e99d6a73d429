// What a firm does after a check: correct the draft invoices (`fix`), and
// explain a charge the client questions, with the documents behind it, and
// write the letter that tells a client about the errors on their invoices.
#pragma once

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>

#include <cstdint>
#include <map>
#include <vector>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace billcheck {

/// How a document for people (or programs) is written.
enum class DocumentFormat { text, markdown, html, json };
std::optional<DocumentFormat> parse_document_format(std::string_view name);

struct ExplainRequest {
  std::string invoice;
  std::optional<std::int64_t> line;  // one line, or every line of the invoice
  std::filesystem::path templates;   // a firm's template folder; empty = letters.templates, else the bundled ones
  CheckOptions check;                // for the rules run on the invoice
};

/// How the invoice (or one line) was worked out: the time entries behind each
/// line, the agreed rate and the rate card row it comes from, the engagement's
/// terms, the payments and credit notes; and what the rules find on it.
/// Throws UnknownInvoice, UnknownRecord for a line the invoice does not have,
/// or ConfigError for a template that does not render.
std::string explain(const Engine& engine, const Book& book, const ExplainRequest& request, DocumentFormat format);

/// One field a fix changed: `record` is "invoice" or "line N"; values are
/// written as the book writes them (money with the currency's decimals).
struct FieldChange {
  std::string record, field, from, to;
};

/// A draft invoice `fix` corrected, with its total before and after, and the
/// findings the correction removed (remedy kind `corrected`).
struct CorrectedInvoice {
  std::string invoice, client, currency;
  std::vector<FieldChange> changes;
  Decimal total_before, total_after;
  std::vector<Finding> fixed;
};

/// An issued invoice `fix --reissue` credited in full and replaced with a
/// corrected draft invoice that names it (its `replaces` column). `carried`
/// is what was paid on the invoice beyond what is left of it after its credit
/// notes (what was paid and the credit it had before), which counts toward the
/// replacement; `owed` what the client owes on the replacement after that
/// (negative: owed back to them).
struct ReissuedInvoice {
  std::string invoice, replacement, credit_note, client, currency;
  Decimal total_before, total_after, carried, owed;
};

/// A paid invoice the new credit notes put in credit: the payment rules'
/// overpayment finding, which the summary lists apart (not an error left open).
struct Refund {
  Finding finding;
  /// Where `fix --reissue` replaced the invoice: its replacement, what was paid
  /// on it (and the credit it had) that counts toward the replacement, and what
  /// is owed back once it has (the finding's amount at stake is the whole
  /// overpayment, before the replacement counted). A replaced invoice whose
  /// payment the replacement takes whole is not a refund. Otherwise empty.
  std::string replacement;
  Decimal carried, owed_back;
};

/// A finding `fix` leaves open, and why: no single right value, a fix that
/// conflicts with another rule's, or a record `fix` does not correct yet.
struct OpenFinding {
  Finding finding;
  std::string reason;
  /// For a payment applied to another client's invoice, when the right
  /// record is known: "invoice" (apply the payment to `to` instead: the one
  /// open invoice of the payer with that balance) or "client" (the payment's
  /// reference names the invoice it is applied to: record it as `to`'s).
  /// Proposed, never applied: a person decides. Empty when not known.
  std::string reallocate, to;
};

/// A finding on an issued or paid invoice, and the credit note that remedies
/// it (empty when none does: under-billing, or what needs a person).
struct IssuedFinding {
  Finding finding;
  std::string credit_note;
  std::string recovered_by;  // the supplementary invoice that bills what was under-billed
  std::string reissued_by;   // the replacement invoice that no longer has the error
  bool offset = false;       // an overcharge not credited: the invoice's under-billing is taken off it
  /// Under-billing taken off the credit note `credit_note` (the invoice
  /// overcharged more): settled, nothing to recover.
  bool netted = false;
  /// For `netted`: what it takes off the note, the amount under-billed and
  /// the tax on it when that amount is before tax (docs/remedies.md, "Tax in
  /// an amount at stake"), so the note returns their sum less. For
  /// under-billing not recovered: the same, what the client still owes.
  Decimal netted_amount, netted_tax;
  /// Under-billing not recovered: how much of the invoice's under-billing its
  /// overcharges offset (on the first such finding of the invoice; zero when none).
  /// For `netted`: how much of it the overcharges left with no note offset,
  /// so that the note returns that much less than its amount and tax.
  Decimal offsets;
};

/// A supplementary draft invoice `fix` wrote for what an issued invoice
/// under-billed (remedies.recover_underbilling).
struct SupplementaryInvoice {
  std::string id, invoice, client, currency;
  Decimal total;
};

/// A credit note `fix` wrote, with its invoice's currency.
struct WrittenCreditNote {
  CreditNote note;
  std::string currency;
};

/// What `billcheck fix` did, for the fix summary.
struct FixSummary {
  std::vector<CorrectedInvoice> corrected;
  /// The credit notes `fix` wrote, one for each overcharge on an issued or
  /// paid invoice (which is never edited).
  std::vector<WrittenCreditNote> credit_notes;
  std::vector<IssuedFinding> issued;
  std::vector<SupplementaryInvoice> supplementary;
  std::vector<ReissuedInvoice> reissued;
  std::vector<OpenFinding> needs_person;
  /// Invoices already paid that the new credit notes put in credit (the
  /// payment rules' overpayment): the client is owed the money back, as a
  /// refund or against their next invoice. Not errors of the book.
  std::vector<Refund> refunds;
  /// Per currency: what the corrected drafts bill less (returned) and more
  /// (added) than before; what the new credit notes credit; what the client
  /// was overcharged and under-billed on issued invoices (listed, not
  /// recovered); what is owed back on paid invoices (on a reissued one, what
  /// is owed back once what was paid on it counts toward its replacement).
  std::map<std::string, Decimal> returned, added, credited, issued_overcharged, issued_underbilled, refunds_due;
  /// Per currency: the goodwill credits written (remedies.goodwill).
  std::map<std::string, Decimal> goodwill;
};

/// How `fix` corrects an issued or paid invoice.
struct FixOptions {
  /// false: a credit note for each overcharge. true: one credit note for the
  /// whole invoice and a corrected replacement invoice (remedies.reissue_id),
  /// a draft whose `replaces` column names it.
  bool reissue = false;
};

/// The corrected book, the re-check of it, and what was done.
struct FixResult {
  Book book;
  Report recheck;
  FixSummary summary;
};

/// Corrects the book's draft invoices: applies every finding's fix (the rule
/// first in report order wins a field two rules disagree on) and recomputes what
/// depends on it (line amount -> lines sum -> tax -> total), until the check
/// has nothing more to apply. Issued and paid invoices are left untouched: for
/// each overcharge on one that no credit note remedies yet, a credit note
/// `CN-{invoice}-{n}` is appended, naming the finding's fingerprint under
/// `remedies`, dated `options.today` (default: today), not yet approved.
/// With `fix.reissue`, an issued invoice with an overcharge is credited in
/// full and replaced (see FixOptions). Goodwill credits follow remedies.goodwill.
FixResult fix_book(const Engine& engine, BookData data, const CheckOptions& options = {}, const FixOptions& fix = {});

/// The fix summary as text (from the `fix-summary` template) or JSON.
std::string fix_summary(const FixSummary& summary, DocumentFormat format);

struct LetterRequest {
  std::string client;
  std::vector<std::string> invoices;  // only these invoices of the client; empty = all of them
  std::filesystem::path templates;    // a firm's template folder; empty = letters.templates, else the bundled ones
  std::optional<Date> date;           // the letter's date; default: check.today, else today
  CheckOptions check;                 // for the rules run on the book
};

/// The letter to a client about the billing errors on their invoices:
/// acknowledge, explain each error in one plain sentence (what was billed,
/// what it should have been, the difference, on which invoice and line), say
/// what was done (the credit notes `fix` wrote for them), thank; signed with
/// the config's `firm:`. A client with no errors gets a short letter saying
/// so. Throws UnknownRecord for a client the book does not have or an invoice
/// of another client, UnknownInvoice, or ConfigError for a template that does
/// not render. DocumentFormat::json gives the model the templates render.
std::string letter(const Engine& engine, const Book& book, const LetterRequest& request, DocumentFormat format);

}  // namespace billcheck
