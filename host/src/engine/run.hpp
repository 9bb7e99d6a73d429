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

/// Records of one kind that a check looks at: all of the book's (its own
/// table, nothing copied: a pointer to each invoice and payment of a 1M-line
/// book was 2 MB), or some picked ones.
template <class T>
class Picked {
 public:
  Picked() = default;
  explicit Picked(std::span<const T> all) : all_(all), whole_(true) {}

  void push_back(const T* record) {
    pick_all();
    some_.push_back(record);
  }
  /// Keeps the records for which keep(record) holds.
  template <class Keep>
  void keep_if(Keep keep) {
    pick_all();
    std::erase_if(some_, [&](const T* record) { return !keep(*record); });
  }
  std::size_t size() const { return whole_ ? all_.size() : some_.size(); }
  const T& operator[](std::size_t i) const { return whole_ ? all_[i] : *some_[i]; }

 private:
  /// From a whole table to a list of its records.
  void pick_all() {
    if (!whole_) return;
    for (const T& record : all_) some_.push_back(&record);
    whole_ = false;
  }
  std::span<const T> all_;
  std::vector<const T*> some_;
  bool whole_ = false;
};

/// The records one check looks at.
struct Selection {
  std::span<const InvoiceLine> lines;
  Picked<Invoice> invoices;
  Picked<Client> clients;
  Picked<Payment> payments;
  Picked<CreditNote> notes;
  std::string only_invoice;  // book-wide findings are kept only for this invoice, when set
  /// The reaches whose rules run (bit 1 << Reach): all for a whole book, some for a part of one.
  unsigned reaches = ~0u;
  bool runs(const RuleInfo& info) const { return (reaches >> static_cast<unsigned>(info.reach)) & 1u; }
};

/// What one thread of run_rules is checking now: read by billcheck-worker's
/// signal handlers, to say which rule and record it was at when it crashed or hung.
/// A cache line of its own: each thread writes its slot for every record and
/// rule, and two slots in one line made the cores take it from each other.
struct alignas(64) CurrentCheck {
  std::atomic<const RuleInfo*> rule{nullptr};  // nullptr: idle
  std::atomic<const void*> record{nullptr};    // the InvoiceLine, Invoice, ... of rule->scope; nullptr for the book
};

/// From now on run_rules keeps slot [thread number] of `slots` (up to `count`
/// threads) up to date. billcheck-worker and `billcheck check` turn this on.
void track_current_checks(CurrentCheck* slots, std::size_t count);
/// The slot of the calling thread, or nullptr.
const CurrentCheck* current_check();
/// What a thread of run_rules is checking now, for a message: "rule ID (its
/// origin) checking line 3 of invoice X"; the calling thread's check first,
/// else another thread's; "" when none runs or tracking is off.
std::string describe_running_check();

/// The most of a failing rule's error text a finding quotes, in bytes.
inline constexpr std::size_t kMaxRuleError = 4096;
/// `text` cut to kMaxRuleError bytes at a character boundary, with a marker
/// saying how long it was: a rule that throws megabytes gets the same finding
/// in process and isolated (where a finding's text has a size limit).
std::string capped_rule_error(std::string text);

/// Every record of the book.
Selection select_book(const Book& book);
/// The records about one invoice: its lines, itself, its client, its payments and credit notes.
Selection select_invoice(const Book& book, const Invoice& invoice);

/// Runs `active` over `sel`. `engine_id` keys the book-wide results kept on the
/// Book when checking single invoices. The findings come back unsorted.
std::vector<Finding> run_rules(const Book& book, std::span<const ActiveRule> active, const Selection& sel,
                               const CheckOptions& options, std::uint64_t engine_id, std::vector<RuleStats>* stats);

}  // namespace billcheck::detail
