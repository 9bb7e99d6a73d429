#include "cli.hpp"

#include <billcheck/decimal.hpp>
#include <billcheck/output.hpp>

#include <unistd.h>

namespace billcheck::cli {

Config config_for(const std::string& book_path, const CommonOptions& common) {
  return find_config(book_path, common.config);
}

LoadOptions load_options(LoadOptions given, const Config& config) {
  given.max_file_bytes = config.limits.max_file_size;
  return given;
}

bool stderr_is_terminal(const CommonOptions& common) { return !common.quiet && isatty(STDERR_FILENO); }

void write_to(const std::string& path, const std::function<void(std::ostream&)>& write, bool force) {
  if (path.empty())
    write_standard_output(write);
  else
    write_output(path, write, OutputOptions{force});
}

const CLI::Validator kIsoCurrency([](std::string& code) { return currency_problem(code); }, "ISO 4217");

}  // namespace billcheck::cli
