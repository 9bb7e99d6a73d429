// A minimal plugin for the loading tests: flags every line whose description
// contains the configured word.
#include <billcheck/sdk.hpp>

#ifndef TEST_PLUGIN_NAME
#define TEST_PLUGIN_NAME "testgood"
#endif

namespace {

class MarkerRule final : public billcheck::LineRule {
 public:
  explicit MarkerRule(const billcheck::Options& options) : word_(options.string("word")) {}

  static billcheck::RuleInfo info() {
    return {.id = TEST_PLUGIN_NAME ".marker",
            .title = "Line description contains the marker word",
            .category = "data",
            .severity = billcheck::Severity::warning,
            .description = "Flags lines whose description contains the marker word; used by the tests.",
            .options = {{"word", billcheck::OptionType::string, "MARKER", "The word to look for."}}};
  }

  void check(const billcheck::InvoiceLine& line, billcheck::Context& ctx) const override {
    if (line.description.find(word_) != std::string::npos)
      ctx.report(line, "Line " + std::to_string(line.line_no) + " mentions " + word_ + ".").evidence_of("word", word_);
  }

 private:
  const std::string word_;
};

#ifdef TEST_REFUSED_RULES
// Registered as a careless plugin might: a severity that is no Severity, and an id twice.
class BadSeverityRule final : public billcheck::LineRule {
 public:
  explicit BadSeverityRule(const billcheck::Options&) {}
  static billcheck::RuleInfo info() {
    return {.id = TEST_PLUGIN_NAME ".bad-severity",
            .title = "A rule whose severity is out of range",
            .category = "data",
            .severity = static_cast<billcheck::Severity>(7),
            .description = "Refused at registration; used by the tests."};
  }
  void check(const billcheck::InvoiceLine&, billcheck::Context&) const override {}
};
#endif

void register_rules(billcheck::Registry& registry) {
  registry.log().info("registering the test rules");
  registry.add<MarkerRule>();
#ifdef TEST_REFUSED_RULES
  registry.add<BadSeverityRule>();
  registry.add<MarkerRule>();
#endif
}

}  // namespace

BILLCHECK_PLUGIN(TEST_PLUGIN_NAME, "1.2.3", register_rules)
