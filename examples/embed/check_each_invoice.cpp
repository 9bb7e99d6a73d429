// How an accounting package embeds billcheck: build the engine once, then
// check each invoice as it is saved and read the findings as data.
//
//   check_each_invoice BOOK [CONFIG]
//
// Prints one JSON object per finding (the report contract's fields), then a
// line per invoice with its verdict. Exit status 1 when any invoice has an error.
#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>
#include <billcheck/report.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: check_each_invoice BOOK [CONFIG]\n";
    return 2;
  }
  try {
    billcheck::Config config = billcheck::find_config(argv[1], argc > 2 ? argv[2] : "");
    const billcheck::Engine engine(config);  // loads plugins and builds the rules once
    const billcheck::Book book = billcheck::load_book(argv[1]);

    bool any_error = false;
    for (const billcheck::Invoice& invoice : book.invoices()) {
      billcheck::Report report = engine.check_invoice(book, invoice.id);
      for (const billcheck::Finding& f : report.findings) std::cout << billcheck::finding_to_json(f) << '\n';
      const auto worst = report.worst();
      const bool blocked = worst && *worst == billcheck::Severity::error;
      any_error = any_error || blocked;
      std::cout << "# " << invoice.id << ": "
                << (blocked ? "hold: fix before sending" : report.findings.empty() ? "ok" : "ok, with warnings") << '\n';
    }
    return any_error ? 1 : 0;
  } catch (const billcheck::BookError& e) {
    for (const auto& m : e.messages()) std::cerr << m << '\n';
  } catch (const billcheck::ConfigError& e) {
    for (const auto& m : e.messages()) std::cerr << m << '\n';
  }
  return 2;
}
