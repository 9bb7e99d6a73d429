// Scheduling: the rules over the selected records, in fixed-size tasks on a
// pool of threads, so that the findings never depend on --jobs.
#pragma once

#include "engine/active_rule.hpp"

#include <billcheck/engine.hpp>

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
};

/// Runs `active` over `sel`. `engine_id` keys the book-wide results kept on the
/// Book when checking single invoices. The findings come back unsorted.
std::vector<Finding> run_rules(const Book& book, std::span<const ActiveRule> active, const Selection& sel,
                               const CheckOptions& options, std::uint64_t engine_id, std::vector<RuleStats>* stats);

}  // namespace billcheck::detail
