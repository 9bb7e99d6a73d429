#include "cli.hpp"

#include <billcheck/decimal.hpp>
#include <billcheck/output.hpp>

#include <unistd.h>

#include <cctype>
#include <filesystem>

namespace billcheck::cli {

Config config_for(const std::string& book_path, const CommonOptions& common) {
  return find_config(book_path, common.config);
}

Config config_or_default(const CommonOptions& common) {
  return common.config.empty() ? Config{} : load_config(common.config);
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

void refuse_output_over_inputs(const std::string& output, const std::string& book, const LoadOptions& load,
                               const Config& config, const std::vector<std::filesystem::path>& also) {
  namespace fs = std::filesystem;
  if (output.empty() || output == "-") return;
  std::error_code ec;
  const fs::path out(output);
  const bool exists = fs::exists(out, ec);
  // The same file, or the same path where one of them is still to be made (a store the run creates).
  const auto is = [&](const fs::path& input) {
    if (input.empty()) return false;
    if (exists && fs::exists(input, ec)) return fs::equivalent(out, input, ec);
    return fs::weakly_canonical(fs::absolute(out, ec), ec) == fs::weakly_canonical(fs::absolute(input, ec), ec);
  };
  // Every .csv file of a CSV book's folder is read as one of its tables (or ignored, until its name is one).
  const auto table_of = [&](const fs::path& folder) {
    if (folder.empty() || folder == "-" || !fs::is_directory(folder, ec)) return false;
    std::string ext = out.extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
    return ext == ".csv" && fs::exists(parent, ec) && fs::equivalent(parent, folder, ec);
  };
  if (book != "-" && !fs::is_directory(book, ec) && is(book))
    throw Error(output + ": is the book itself; write the output to another file");
  if (table_of(book) || table_of(load.reference))
    throw Error(output + ": is a .csv file in the book's folder, where every .csv file is read as a table; write it "
                         "outside that folder");
  if (is(config.file)) throw Error(output + ": is the config this command reads; write the output to another file");
  for (const fs::path& input : also)
    if (is(input)) throw Error(output + ": is the store this command records in; write the output to another file");
}

const CLI::Validator kIsoCurrency([](std::string& code) { return currency_problem(code); }, "ISO 4217");

const CLI::Validator kStoreFile(
    [](std::string& path) -> std::string {
      if (!path.empty()) return {};
      return "is empty: give the path of the record's file (an unset variable in a script?), or leave --store out "
             "to use `store:` in billcheck.yaml";
    },
    "FILE");

}  // namespace billcheck::cli
