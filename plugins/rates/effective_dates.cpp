#include "rules.hpp"

namespace billcheck::rates {

RuleInfo EffectiveDatesRule::info() {
  RuleInfo info;
  info.id = "rates.effective-dates";
  info.reach = Reach::firm;
  info.title = "Rate card row ends before it starts";
  info.category = "rates";
  info.severity = Severity::error;
  info.description =
      "A rate card row's effective_to, when it has one, is on or after its effective_from. A row that ends "
      "before it starts applies on no day, so the lines it was meant for are checked against another row or "
      "none (rates.no-agreed-rate). No fix is suggested: which date is wrong only the engagement letter can "
      "say.";
  return info;
}

void EffectiveDatesRule::check(const Book& book, Context& ctx) const {
  for (const Rate& rate : book.rates()) {
    if (!rate.effective_to || !(*rate.effective_to < rate.effective_from)) continue;
    const std::string who = !rate.timekeeper_id.empty() ? "timekeeper " + rate.timekeeper_id
                            : !rate.role.empty()        ? role_text(rate.role)
                                                        : std::string("any timekeeper");
    ctx.report(rate, "The rate of " + rate.rate.to_string(2) + " for " + who + " on engagement " + rate.engagement_id +
                         " is effective from " + rate.effective_from.to_string() + " to " +
                         rate.effective_to->to_string() + ": it ends before it starts, so it applies on no day.")
        .key((rate.timekeeper_id.empty() ? "role:" + rate.role : "timekeeper:" + rate.timekeeper_id) + "@" +
             rate.effective_from.to_string())
        .evidence_of("expected", "effective_to on or after " + rate.effective_from.to_string())
        .evidence_of("actual", rate.effective_to->to_string());
  }
}

}  // namespace billcheck::rates
