// Scheduling: the rules over the selected records, in fixed-size tasks on a
// pool of threads, so that the findings never depend on --jobs.
#pragma once

#include "engine/active_rule.hpp"

#include <billcheck/engine.hpp>

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace billcheck::detail {

/// The records one check looks at.
struct Selection {
  std::span<const InvoiceLine> lines;
  std::vector<const Invoice*> invoices;
  std::vector<const Client*> clients;
  std::vector<const Payment*> payments;
  std::vector<const CreditNote*> notes;
  std::string only_invoice;  // book-wide findings are kept only for this invoice, when set
  /// The reaches whose rules run (bit 1 << Reach): all for a whole book, some for a part of one.
  unsigned reaches = ~0u;
  bool runs(const RuleInfo& info) const { return (reaches >> static_cast<unsigned>(info.reach)) & 1u; }
};

/// What one thread of run_rules is checking now: read by billcheck-worker's
/// signal handlers, to say which rule and record it was at when it crashed or hung.
struct CurrentCheck {
  std::atomic<const RuleInfo*> rule{nullptr};  // nullptr: idle
  std::atomic<const void*> record{nullptr};    // the InvoiceLine, Invoice, ... of rule->scope; nullptr for the book
};

/// From now on run_rules keeps slot [thread number] of `slots` (up to `count`
/// threads) up to date. Only the worker turns this on.
void track_current_checks(CurrentCheck* slots, std::size_t count);
/// The slot of the calling thread, or nullptr.
const CurrentCheck* current_check();

/// Every record of the book.
Selection select_book(const Book& book);
/// The records about one invoice: its lines, itself, its client, its payments and credit notes.
Selection select_invoice(const Book& book, const Invoice& invoice);

/// Runs `active` over `sel`. `engine_id` keys the book-wide results kept on the
/// Book when checking single invoices. The findings come back unsorted.
std::vector<Finding> run_rules(const Book& book, std::span<const ActiveRule> active, const Selection& sel,
                               const CheckOptions& options, std::uint64_t engine_id, std::vector<RuleStats>* stats);

}  // namespace billcheck::detail
