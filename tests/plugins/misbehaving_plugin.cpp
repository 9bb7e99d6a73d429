// Plugins that misbehave on a line whose description says BOOM (crash, abort, exit,
// hang, allocate without end, print to standard output, throw megabytes) for
// the isolation and containment tests: each must become an internal finding
// naming its rule (the second of the plugin's two: a calm one comes first),
// and every other rule's findings must remain. One (hugefinding) is not a
// failure: it reports megabytes of ordinary findings, which must be reported
// the same isolated as in process.
// TEST_MISBEHAVIOUR picks which; TEST_PLUGIN_NAME names the plugin.
#include <billcheck/sdk.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

[[maybe_unused]] void misbehave() {
#if TEST_MISBEHAVIOUR == 1
  volatile int* null = nullptr;
  *null = 1;  // SIGSEGV
#elif TEST_MISBEHAVIOUR == 2
  std::abort();
#elif TEST_MISBEHAVIOUR == 3
  std::exit(0);
#elif TEST_MISBEHAVIOUR == 4
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
#elif TEST_MISBEHAVIOUR == 5
  // 20 GB, touched: past any sane limit. Under RLIMIT_AS malloc fails at once.
  const std::size_t size = std::size_t{20} << 30;
  char* p = static_cast<char*>(std::malloc(size));
  if (!p) throw std::bad_alloc();
  std::memset(p, 1, size);
  std::free(p);
#elif TEST_MISBEHAVIOUR == 7
  // Chatter on fd 1 three ways: stdio (left in its buffer), iostreams, write(2).
  std::printf("chatter from printf ");
  std::cout << "chatter from std::cout" << std::endl;
  [[maybe_unused]] auto n = ::write(1, "chatter from write\n", 19);
#elif TEST_MISBEHAVIOUR == 8
  // 5 MB of error text, with a two-byte character across the 4096th byte.
  throw std::runtime_error(std::string(4095, 'x') + "\xC3\xA9" + std::string(std::size_t{5} << 20, 'y'));
#endif
}

// Comes first, and does nothing: the failure must not be blamed on it.
class CalmRule final : public billcheck::LineRule {
 public:
  static billcheck::RuleInfo info() {
    return {.id = TEST_PLUGIN_NAME ".calm",
            .title = "Does nothing",
            .category = "data",
            .severity = billcheck::Severity::info,
            .description = "Registered before the rule that misbehaves; reports nothing."};
  }
  void check(const billcheck::InvoiceLine&, billcheck::Context&) const override {}
};

class MisbehavingRule final : public billcheck::LineRule {
 public:
  static billcheck::RuleInfo info() {
    return {.id = TEST_PLUGIN_NAME ".boom",
            .title = "Misbehaves on a BOOM line",
            .category = "data",
            .severity = billcheck::Severity::info,
            .description = "Misbehaves on a line whose description contains BOOM; reports nothing else."};
  }

  void check(const billcheck::InvoiceLine& line, [[maybe_unused]] billcheck::Context& ctx) const override {
    if (line.description.find("BOOM") == std::string::npos) return;
#if TEST_MISBEHAVIOUR == 9
    // One finding of 2 MB (a two-byte character across its first MiB), then
    // 2000 findings of 1 KB each: 4 MB of messages in all.
    ctx.report(line, std::string((std::size_t{1} << 20) - 1, 'x') + "\xC3\xA9" + std::string(std::size_t{1} << 20, 'y'));
    for (int i = 0; i < 2000; ++i) ctx.report(line, std::to_string(i) + std::string(1024, 'z')).key(std::to_string(i));
#else
    misbehave();
#endif
  }
};

void register_rules(billcheck::Registry& registry) {
#if TEST_MISBEHAVIOUR == 6
  throw std::runtime_error("cannot register: the licence file is missing");
#endif
#if TEST_MISBEHAVIOUR == 7
  std::printf("chatter while registering ");
#endif
  registry.add<CalmRule>();
  registry.add<MisbehavingRule>();
}

}  // namespace

BILLCHECK_PLUGIN(TEST_PLUGIN_NAME, "0.0.1", register_rules)
