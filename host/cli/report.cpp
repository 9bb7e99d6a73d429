// billcheck report: the record over time (docs/patterns.md). Errors and money
// at stake per run, by category and by client; new and fixed per run; the
// disputes by reason and outcome; the causes that came back after a fix.
#include "cli.hpp"

#include "report/table.hpp"
#include "report/visible.hpp"

#include <billcheck/decimal.hpp>
#include <billcheck/report.hpp>
#include <billcheck/store.hpp>

#include <nlohmann/json.hpp>

#include <memory>

namespace billcheck::cli {
namespace {

struct ReportArgs {
  std::string store, from, to, format = "text", output;
};

std::string figure_text(const std::string& name, const TrendFigure& f) {
  std::string out = detail::visible(name) + " " + std::to_string(f.findings);
  if (!f.at_stake.empty()) out += " (" + amounts_text(f.at_stake) + ")";
  return out;
}

void write_groups(std::ostream& out, std::string_view title, const std::map<std::string, TrendFigure>& groups) {
  if (groups.empty()) return;
  out << "    " << title << ':';
  bool first = true;
  for (const auto& [name, figure] : groups) {
    out << (first ? " " : ", ") << figure_text(name.empty() ? "(none)" : name, figure);
    first = false;
  }
  out << '\n';
}

// Text from the record (ids, keys, a dispute's reason) shows its control
// characters as \x1B, \x07 (report/visible.hpp): this is read on a terminal.
void write_trends_text(std::ostream& out, const Trends& t) {
  out << "Runs";
  if (!t.filter.from.empty()) out << " from " << t.filter.from;
  if (!t.filter.to.empty()) out << " to " << t.filter.to;
  out << ": " << t.runs.size() << '\n';
  for (const auto& r : t.runs) {
    out << "  run " << r.run.id << ", " << r.run.at << (r.run.invoice.empty() ? "" : ", invoice " + detail::visible(r.run.invoice))
        << ": " << r.run.findings << " findings (" << r.run.errors << " errors, " << r.run.warnings << " warnings, "
        << r.run.infos << " info); " << r.run.new_findings << " new, " << r.run.fixed << " fixed, " << r.run.reopened
        << " reopened\n";
    if (!r.total.at_stake.empty()) out << "    at stake: " << amounts_text(r.total.at_stake) << '\n';
    write_groups(out, "by category", r.by_category);
    write_groups(out, "by client", r.by_client);
  }

  std::int64_t disputes = 0;
  for (const auto& [reason, outcomes] : t.disputes)
    for (const auto& [outcome, n] : outcomes) disputes += n;
  out << "\nDisputes: " << disputes << ", " << t.disputes_closed << " closed";
  if (!t.median_days_to_close.empty())
    out << "; median " << t.median_days_to_close << " days from opening to close";
  out << '\n';
  for (const auto& [reason, outcomes] : t.disputes) {
    out << "  " << detail::visible(reason) << ':';
    bool first = true;
    for (const auto& [outcome, n] : outcomes) {
      out << (first ? " " : ", ") << detail::visible(outcome) << ' ' << n;
      first = false;
    }
    out << '\n';
  }

  out << "\nRecurring causes (came back after they were fixed): " << t.recurring.size() << '\n';
  for (const auto& c : t.recurring)
    out << "  " << detail::visible(detail::shared_by(c.cause.kind, c.cause.key)) << " [" << c.cause.rule << "]: first found by run "
        << c.first_run << ", fixed by run " << c.fixed_run << ", back in run " << c.back_run
        << (c.times > 1 ? " (" + std::to_string(c.times) + " times)" : "") << " with " << c.members.size()
        << (c.members.size() == 1 ? " finding" : " findings") << '\n';
}

int run_report(const ReportArgs& args, const CommonOptions& common) {
  std::filesystem::path path = args.store;
  if (path.empty()) {
    Config config = find_config(".", common.config);
    if (!config.errors.empty()) throw ConfigError(config.errors);
    path = config.store;
  }
  if (!args.from.empty() && !args.to.empty() && args.to < args.from)
    throw Error("--from " + args.from + " is after --to " + args.to + ": give the earlier day first");
  if (path.empty()) throw Error("no store: give --store FILE, or set `store:` in billcheck.yaml");
  if (!std::filesystem::exists(path)) throw Error("no store at " + path.string() + ": record a run first (check --store)");
  refuse_output_over_inputs(args.output, "-", LoadOptions{}, Config{}, {path});
  const Store store(path, StoreOptions{{}, {}, true, true});  // writes nothing beside the store either
  const Trends trends = store.trends(TrendFilter{args.from, args.to});
  write_to(args.output, [&](std::ostream& out) {
    if (args.format == "json")
      out << nlohmann::ordered_json::parse(to_json(trends)).dump(2) << '\n';
    else if (args.format == "html")
      write_trends_html(out, trends);
    else
      write_trends_text(out, trends);
  }, common.force);
  return kClean;
}

}  // namespace

void add_report_command(CLI::App& app, CommonOptions& common, Commands& commands) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "The record over time: findings and money at stake per run, disputes, "
                                           "recurring causes");
  cmd->add_option("--store", args->store, "The record's SQLite file (default: `store:` in billcheck.yaml)")->check(kStoreFile);
  cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml in the current folder)");
  cmd->add_option("--from", args->from, "Only runs (and disputes received) on or after this day, YYYY-MM-DD");
  cmd->add_option("--to", args->to, "Only runs (and disputes received) on or before this day, YYYY-MM-DD");
  cmd->add_option("-f,--format", args->format, "Report format")
      ->check(CLI::IsMember({"text", "json", "html"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", args->output, "Write the report to FILE instead of stdout");
  commands.push_back({cmd, [args, &common] { return run_report(*args, common); }});
}

}  // namespace billcheck::cli
