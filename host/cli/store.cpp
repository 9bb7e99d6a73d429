// The record: check --store, findings and their moves, runs, client disputes,
// and the audit trail. Every command here opens the store named by --store
// (or `store:` in billcheck.yaml) and leaves the work to billcheck::Store.
#include "cli.hpp"

#include "report/visible.hpp"

#include <billcheck/load.hpp>
#include <billcheck/remedies.hpp>
#include <billcheck/report.hpp>
#include <billcheck/store.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <regex>

namespace billcheck::cli {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

Config checked(Config config) {
  if (!config.errors.empty()) throw ConfigError(config.errors);
  return config;
}

// BILLCHECK_NOW fixes the clock (UTC ISO 8601), so that the docs' examples
// and the tests read the same every time.
std::function<std::string()> store_clock() {
  const char* now = std::getenv("BILLCHECK_NOW");
  if (!now || !*now) return {};
  static const std::regex iso(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  if (!std::regex_match(now, iso))
    throw Error(std::string("BILLCHECK_NOW '") + now + "' is not a UTC time like 2026-01-05T09:30:00Z");
  std::string fixed = now;
  return [fixed] { return fixed; };
}

std::string today() {
  auto clock = store_clock();
  return (clock ? clock() : utc_now()).substr(0, 10);
}

fs::path store_path(const StoreArgs& args, const Config& config) {
  if (!args.store.empty()) return args.store;
  return config.store;
}

Store open_store(const StoreArgs& args, const Config& config, bool read_only = false) {
  const fs::path path = store_path(args, config);
  if (path.empty())
    throw Error("no store: give --store FILE, or set `store:` in billcheck.yaml");
  // A read command writes nothing, not even SQLite's -wal and -shm files: a
  // copy of the record on read-only media can be read and verified.
  return Store(path, StoreOptions{args.by, store_clock(), read_only, read_only});
}

// For the commands that take no book: -c, else billcheck.yaml in the current folder.
Config local_config(const CommonOptions& common) { return checked(find_config(".", common.config)); }

std::string amount_text(const std::string& amount, const std::string& currency) {
  if (amount.empty()) return "";
  auto d = Decimal::parse(amount);
  if (!d) return amount;
  return currency.empty() ? d->to_string() : currency + " " + format_amount(*d, currency);
}

std::string where(const std::string& invoice, const std::string& line) {
  return invoice + (line.empty() ? "" : " line " + line);
}

std::string remedy_text(const RemedyRecord& r) {
  std::string out = r.kind;
  if (!r.id.empty()) out += " " + r.id;
  if (!r.amount.empty()) out += ", " + amount_text(r.amount, r.currency);
  for (const auto& i : r.instalments) {
    out += "\n      instalment " + std::to_string(i.number) + ": " + amount_text(i.amount, r.currency) + " due " + i.due;
    if (!i.paid.empty()) out += ", paid " + i.paid;
  }
  return out;
}

// ---- the check hook

bool quiet(const CommonOptions& common) { return common.quiet; }

// Text the record keeps from books and people (messages, notes, what a client
// said), its control characters shown as \x1B, \x0D rather than acted on.
std::string shown(std::string_view text) { return detail::visible(text); }

// ---- findings

void print_finding(std::ostream& out, const FindingRecord& f) {
  out << f.fingerprint << "  " << f.status << "  " << (f.client.empty() ? "" : f.client + " ")
      << (f.invoice.empty() ? "" : where(f.invoice, f.line) + " ") << "[" << f.rule << "]";
  if (!f.amount.empty()) out << "  " << amount_text(f.amount, f.currency);
  out << "\n    " << shown(f.message) << '\n';
  out << "    first seen " << f.first_seen.substr(0, 10) << ", last seen " << f.last_seen.substr(0, 10);
  if (f.status != "open") out << "; " << f.status << " " << f.status_at.substr(0, 10) << " by " << f.status_by;
  out << '\n';
  if (f.remedy) out << "    remedy: " << remedy_text(*f.remedy) << '\n';
  if (f.status == "waived") {
    out << "    waived: " << shown(f.waiver_reason) << " (approved by " << shown(f.waiver_by) << ")";
    if (!f.waiver_expires.empty()) out << ", until " << f.waiver_expires;
    out << '\n';
  }
  if (!f.note.empty()) out << "    note: " << shown(f.note) << '\n';
}

Json findings_json(const std::vector<FindingRecord>& findings) {
  Json list = Json::array();
  for (const auto& f : findings) list.push_back(Json::parse(to_json(f)));
  return {{"findings", list}};
}

struct FindingsArgs {
  StoreArgs store;
  std::vector<std::string> status;
  std::string client, invoice, rule, format = "text";
};

int run_findings(const FindingsArgs& args, const CommonOptions& common) {
  Store store = open_store(args.store, local_config(common), true);
  const auto found = store.findings({args.status, args.client, args.invoice, args.rule});
  if (args.format == "json") {
    std::cout << findings_json(found).dump(2) << '\n';
    return kClean;
  }
  for (const auto& f : found) print_finding(std::cout, f);
  std::cout << found.size() << (found.size() == 1 ? " finding" : " findings") << '\n';
  return kClean;
}

// Instalments as AMOUNT@YYYY-MM-DD, numbered in the order given.
std::vector<Instalment> instalments(const std::vector<std::string>& specs) {
  std::vector<Instalment> out;
  for (const auto& spec : specs) {
    const auto at = spec.find('@');
    if (at == std::string::npos)
      throw Error("--instalment '" + spec + "' is not AMOUNT@YYYY-MM-DD (e.g. 100.00@2026-02-01)");
    out.push_back({static_cast<int>(out.size()) + 1, spec.substr(0, at), spec.substr(at + 1), ""});
  }
  return out;
}

struct RemedyArgs {
  std::string kind, id, amount;
  std::vector<std::string> instalments;
  std::optional<RemedyRecord> record() const {
    if (kind.empty()) return std::nullopt;
    return RemedyRecord{kind, id, amount, "", cli::instalments(instalments)};
  }
};

void add_remedy_options(CLI::App* cmd, RemedyArgs& r) {
  std::string kinds;
  for (const auto& k : remedy_kinds()) kinds += (kinds.empty() ? "" : ", ") + k;
  cmd->add_option("--remedy", r.kind, "What remedied it: " + kinds)->check(CLI::IsMember(remedy_kinds()));
  cmd->add_option("--remedy-id", r.id, "The remedy's own id (the credit note's, the corrected invoice's)");
  cmd->add_option("--amount", r.amount, "The remedy's amount (exact decimal)");
  cmd->add_option("--instalment", r.instalments, "A payment plan's instalment, AMOUNT@YYYY-MM-DD (repeat for each)");
}

struct MoveArgs {
  StoreArgs store;
  std::string action, fingerprint, note, reason, approved_by, expires, format = "text";
  RemedyArgs remedy;
};

int run_move(const MoveArgs& args, const CommonOptions& common) {
  Store store = open_store(args.store, local_config(common));
  FindingMove move{args.action, args.note, args.remedy.record(), args.reason, args.approved_by, args.expires};
  const FindingRecord f = store.move_finding(args.fingerprint, move);
  if (args.format == "json")
    std::cout << Json::parse(to_json(f)).dump(2) << '\n';
  else
    print_finding(std::cout, f);
  return kClean;
}

// ---- disputes

void print_dispute(std::ostream& out, const Dispute& d) {
  out << "Dispute " << d.id << ": " << where(d.invoice, d.line) << (d.client.empty() ? "" : " (" + d.client + ")")
      << ", reason " << d.reason << ", " << d.state << '\n';
  out << "  client says: \"" << shown(d.says) << "\"\n";
  out << "  received " << d.received << ", answer by " << d.respond_by << "; opened by " << d.opened_by << '\n';
  for (const auto& fp : d.findings) out << "  confirmed by finding " << fp << '\n';
  if (d.remedy) out << "  remedy: " << remedy_text(*d.remedy) << '\n';
  if (!d.explanation.empty()) out << "  explanation:\n" << "    " << std::regex_replace(d.explanation, std::regex("\n(?=.)"), "\n    ") << (d.explanation.back() == '\n' ? "" : "\n");
  for (const auto& n : d.notes) {
    out << "  " << n.at << " " << n.channel << (n.direction == "in" ? " from the client" : " to the client") << " ("
        << shown(n.actor) << "): " << shown(n.text) << '\n';
    if (!n.attachment.empty()) out << "    attached " << n.attachment << " sha256:" << n.attachment_sha256 << '\n';
  }
  if (!d.closing_note.empty()) out << "  closed: " << shown(d.closing_note) << '\n';
}

void print_confirming(std::ostream& out, const std::vector<Finding>& found, const Dispute& d) {
  if (found.empty()) {
    out << "The rules find nothing on " << where(d.invoice, d.line) << " that backs the client's point (" << d.reason
        << "): investigate, then explain or uphold.\n";
    return;
  }
  out << "The rules confirm the client's point (" << found.size() << (found.size() == 1 ? " finding" : " findings")
      << "):\n";
  for (const auto& f : found) {
    out << "  " << where(f.invoice, f.line) << ": " << to_string(f.severity) << ": " << shown(f.message) << " [" << f.rule
        << "]\n";
    if (f.amount_at_stake)
      out << "    at stake " << f.currency << (f.currency.empty() ? "" : " ")
          << (f.currency.empty() ? f.amount_at_stake->to_string() : format_amount(*f.amount_at_stake, f.currency))
          << '\n';
    out << "    fingerprint " << f.fingerprint << '\n';
  }
}

struct DisputeArgs {
  StoreArgs store;
  std::int64_t id = 0;
  std::string invoice, line, reason, says, received, book, format = "text";
  // resolve
  bool upheld = false, explained = false, explain = false;
  std::string explanation, note;
  RemedyArgs remedy;
  // note
  std::string channel, direction, text, attach;
  bool keep = false;
  // list
  std::string state;
  // paid
  int instalment = 0;
  std::string paid_on;
};

// The book to investigate on: --book, else the book of the last run.
std::string dispute_book(const DisputeArgs& args, Store& store) {
  if (!args.book.empty()) return args.book;
  auto last = store.last_run();
  if (!last || last->book.empty() || last->book == "-")
    throw Error("no book to investigate on: give --book BOOK (no run recorded in the store names one)");
  return last->book;
}

int run_dispute_open(const DisputeArgs& args, const CommonOptions& common) {
  Config config = local_config(common);
  Store store = open_store(args.store, config);
  const std::string book_path = dispute_book(args, store);
  Config book_config = checked(config_for(book_path, common));
  Engine engine(book_config);
  Book book = load_book(book_path);
  const Invoice* invoice = book.invoice(args.invoice);
  if (!invoice) throw UnknownInvoice(args.invoice);
  check_disputed_line(book, args.invoice, args.line);
  Report report = engine.check_invoice(book, args.invoice);
  const auto found = confirming_findings(report, args.invoice, args.line, args.reason);
  DisputeRequest request{args.invoice, args.line, invoice->client_id, args.reason, args.says, args.received,
                         book_config.disputes.respond_within_days, book_config.disputes.reason_codes};
  const Dispute d = store.open_dispute(request, found);
  if (args.format == "json") {
    std::cout << Json::parse(to_json(d)).dump(2) << '\n';
    return kClean;
  }
  std::cout << "Dispute " << d.id << " opened on " << where(d.invoice, d.line) << " (" << d.client << "), reason "
            << d.reason << "; answer by " << d.respond_by << '\n';
  print_confirming(std::cout, found, d);
  return kClean;
}

int run_dispute_move(const DisputeArgs& args, const std::string& action, const CommonOptions& common) {
  Config config = local_config(common);
  Store store = open_store(args.store, config);
  DisputeMove move{action, args.note, args.explanation, std::nullopt};
  if (action == "resolve") {
    if (args.upheld == args.explained) throw Error("dispute resolve: give --upheld (the client is right) or --explained (the billing was right)");
    move.action = args.upheld ? "uphold" : "explain";
    if (args.upheld) {
      move.remedy = args.remedy.record();
      if (!move.remedy) throw Error("dispute resolve --upheld needs --remedy KIND (and --remedy-id, --amount)");
    }
    if (args.explained && args.explain) {
      // The explanation `billcheck explain` writes for the invoice (or line).
      const Dispute d = store.dispute(args.id);
      const std::string book_path = dispute_book(args, store);
      Engine engine(checked(config_for(book_path, common)));
      Book book = load_book(book_path);
      ExplainRequest request;
      request.invoice = d.invoice;
      if (!d.line.empty()) request.line = std::stoll(d.line);
      move.explanation = billcheck::explain(engine, book, request, DocumentFormat::text);
    }
  }
  const Dispute d = store.move_dispute(args.id, move);
  if (args.format == "json") {
    std::cout << Json::parse(to_json(d)).dump(2) << '\n';
    return kClean;
  }
  std::cout << "Dispute " << d.id << " (" << where(d.invoice, d.line) << ") " << d.state << " by " << d.state_by << " at "
            << d.state_at << '\n';
  if (d.state == "upheld" && d.remedy) std::cout << "  remedy: " << remedy_text(*d.remedy) << '\n';
  if (d.state == "upheld" && d.remedy)
    for (const auto& fp : d.findings)
      if (const auto f = store.finding(fp); f.status == "resolved" && f.remedy && f.remedy->id == d.remedy->id)
        std::cout << "  finding " << fp << " resolved by the same remedy\n";
  if (d.state == "explained") std::cout << "  explanation stored (" << d.explanation.size() << " characters; dispute show prints it)\n";
  if (d.state == "closed" && !d.closing_note.empty()) std::cout << "  note: " << d.closing_note << '\n';
  return kClean;
}

int run_dispute_note(const DisputeArgs& args, const CommonOptions& common) {
  Store store = open_store(args.store, local_config(common));
  const DisputeNote n = store.add_note(args.id, {args.channel, args.direction, args.text, args.attach, args.keep});
  std::cout << "Note " << n.id << " on dispute " << args.id << ": " << n.channel << ' '
            << (n.direction == "in" ? "from" : "to") << " the client\n";
  if (!n.attachment.empty()) std::cout << "  attached " << n.attachment << " sha256:" << n.attachment_sha256 << '\n';
  return kClean;
}

int run_dispute_show(const DisputeArgs& args, const CommonOptions& common) {
  Store store = open_store(args.store, local_config(common), true);
  const Dispute d = store.dispute(args.id);
  if (args.format == "json")
    std::cout << Json::parse(to_json(d)).dump(2) << '\n';
  else
    print_dispute(std::cout, d);
  return kClean;
}

int run_dispute_list(const DisputeArgs& args, const CommonOptions& common) {
  Store store = open_store(args.store, local_config(common), true);
  const auto all = store.disputes(args.state);
  if (args.format == "json") {
    Json list = Json::array();
    for (const auto& d : all) list.push_back(Json::parse(to_json(d)));
    std::cout << Json{{"disputes", list}}.dump(2) << '\n';
    return kClean;
  }
  for (const auto& d : all)
    std::cout << d.id << "  " << d.state << "  " << where(d.invoice, d.line) << "  " << d.client << "  " << d.reason
              << "  received " << d.received << ", answer by " << d.respond_by << '\n';
  std::cout << all.size() << (all.size() == 1 ? " dispute" : " disputes") << '\n';
  return kClean;
}

int run_dispute_paid(const DisputeArgs& args, const CommonOptions& common) {
  Store store = open_store(args.store, local_config(common));
  const Dispute d = store.pay_instalment(args.id, args.instalment, args.paid_on.empty() ? today() : args.paid_on);
  print_dispute(std::cout, d);
  return kClean;
}

struct OverdueArgs {
  StoreArgs store;
  bool overdue = false;
  std::string today, format = "text";
};

int run_disputes(const OverdueArgs& args, const CommonOptions& common) {
  Store store = open_store(args.store, local_config(common), true);
  if (!args.overdue) {
    DisputeArgs list;
    list.store = args.store;
    list.format = args.format;
    return run_dispute_list(list, common);
  }
  const std::string on = args.today.empty() ? today() : args.today;
  if (!Date::parse_iso(on)) throw Error("--today '" + on + "' is not a date (YYYY-MM-DD)");
  const Overdue o = store.overdue(on);
  if (args.format == "json") {
    std::cout << Json::parse(to_json(o)).dump(2) << '\n';
  } else {
    for (const auto& d : o.disputes)
      std::cout << "dispute " << d.id << "  " << where(d.invoice, d.line) << "  " << d.client << "  received "
                << d.received << ", nobody answered by " << d.respond_by << '\n';
    for (const auto& i : o.instalments)
      std::cout << "instalment " << i.instalment.number << " of "
                << (i.dispute ? "dispute " + std::to_string(i.dispute) : "finding " + i.fingerprint) << "  "
                << i.invoice << "  " << i.client << "  " << amount_text(i.instalment.amount, i.currency) << " due "
                << i.instalment.due << '\n';
    if (o.disputes.empty() && o.instalments.empty()) std::cout << "Nothing overdue on " << on << ".\n";
  }
  return o.disputes.empty() && o.instalments.empty() ? kClean : kFindings;
}

// ---- runs

int run_runs(const StoreArgs& args, const std::string& format, const CommonOptions& common) {
  Store store = open_store(args, local_config(common), true);
  const auto runs = store.runs();
  if (format == "json") {
    Json list = Json::array();
    for (const auto& r : runs) list.push_back(Json::parse(to_json(r)));
    std::cout << Json{{"runs", list}}.dump(2) << '\n';
    return kClean;
  }
  for (const auto& r : runs)
    std::cout << r.id << "  " << r.at << "  " << r.actor << "  " << r.book << (r.invoice.empty() ? "" : " --invoice " + r.invoice)
              << "  " << r.findings << " findings (" << r.new_findings << " new, " << r.fixed << " fixed, "
              << r.reopened << " reopened), " << r.waived << " waived\n";
  return kClean;
}

// ---- audit

std::string confirmed(std::size_t n) {
  if (n == 0) return "no finding confirms it";
  return std::to_string(n) + (n == 1 ? " finding confirms it" : " findings confirm it");
}

// One line a person reads for each event; the JSON and CSV carry it all.
std::string describe(const Event& e) {
  const Json after = e.after.empty() ? Json() : Json::parse(e.after, nullptr, false);
  const Json before = e.before.empty() ? Json() : Json::parse(e.before, nullptr, false);
  auto str = [](const Json& j, const char* key) {
    return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
  };
  auto remedy = [&](const Json& j) -> std::string {
    if (!j.is_object() || !j.contains("remedy")) return "";
    const Json& r = j["remedy"];
    std::string out = "; remedy " + str(r, "kind");
    if (!str(r, "id").empty()) out += " " + str(r, "id");
    if (!str(r, "amount").empty()) out += " " + amount_text(str(r, "amount"), str(r, "currency"));
    return out;
  };
  if (e.action == "run.recorded") {
    const Json& c = after["counts"];
    return "run " + e.object_id + " of " + str(after, "book") + ": " + std::to_string(c.value("findings", 0)) +
           " findings (" + std::to_string(c.value("new", 0)) + " new, " + std::to_string(c.value("fixed", 0)) +
           " fixed, " + std::to_string(c.value("reopened", 0)) + " reopened)";
  }
  if (e.action == "finding.found") return "found " + e.object_id + ": " + str(after, "message") + " [" + str(after, "rule") + "]";
  if (e.action == "dispute.opened")
    return "the client says: \"" + str(after, "says") + "\" (" + where(str(after, "invoice"), str(after, "line")) +
           ", reason " + str(after, "reason") + ", received " + str(after, "received") + ", answer by " +
           str(after, "respond_by") + "); " + confirmed(after.value("findings", Json::array()).size());
  if (e.action == "dispute.note") {
    std::string out = str(after, "channel") + (str(after, "direction") == "in" ? " from" : " to") + " the client: " + str(after, "text");
    if (after.contains("attachment")) out += " [attached " + str(after["attachment"], "path") + " sha256:" + str(after["attachment"], "sha256") + "]";
    return out;
  }
  if (e.action == "instalment.paid")
    return "instalment " + std::to_string(after.value("instalment", 0)) + " paid " + str(after, "paid");
  const char* key = e.object_kind == "dispute" ? "state" : "status";
  std::string out = e.object_kind + " " + e.object_id + ": " + str(before, key) + " -> " + str(after, key) + remedy(after);
  if (!str(after, "explanation").empty()) {
    std::string first = str(after, "explanation");
    out += "; explained: " + first.substr(0, first.find('\n'));
  }
  if (!str(after, "note").empty()) out += "; " + str(after, "note");
  return out;
}

std::string csv_field(const std::string& v) {
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct AuditArgs {
  StoreArgs store;
  std::int64_t dispute = 0;
  std::string invoice, format = "text";
};

int run_audit_log(const AuditArgs& args, const CommonOptions& common) {
  Store store = open_store(args.store, local_config(common), true);
  const auto events = store.events({args.dispute, args.invoice});
  if (args.format == "json") {
    Json list = Json::array();
    for (const auto& e : events) list.push_back(Json::parse(to_json(e)));
    std::cout << Json{{"events", list}}.dump(2) << '\n';
  } else if (args.format == "csv") {
    std::cout << "id,at,actor,action,object,invoice,dispute,before,after,hash\n";
    for (const auto& e : events)
      std::cout << e.id << ',' << e.at << ',' << csv_field(e.actor) << ',' << e.action << ','
                << csv_field(e.object_kind + " " + e.object_id) << ',' << csv_field(e.invoice) << ','
                << (e.dispute ? std::to_string(e.dispute) : "") << ',' << csv_field(e.before) << ','
                << csv_field(e.after) << ',' << e.hash << '\n';
  } else {
    for (const auto& e : events)
      std::cout << '#' << e.id << ' ' << e.at << ' ' << e.actor << ' ' << e.action << ": " << describe(e) << '\n';
  }
  return kClean;
}

struct VerifyArgs {
  StoreArgs store;
  std::string anchor;
};

int run_audit_verify(const VerifyArgs& args, const CommonOptions& common) {
  Store store = open_store(args.store, local_config(common), true);
  const AuditResult r = store.verify(args.anchor);
  if (r.intact) {
    std::cout << "audit trail intact: " << r.events << (r.events == 1 ? " event" : " events") << ", each chained to the one before\n";
    // What shows, later, that no event was deleted from the end: kept outside the store.
    if (!r.head.empty()) std::cout << "head: " << r.head << " (keep it elsewhere; --anchor " << r.head << " finds the newest events deleted)\n";
    return kClean;
  }
  // A record no event names is broken at no event in particular.
  std::cout << "audit trail broken" << (r.broken ? " at event " + std::to_string(r.broken) : std::string()) << ": "
            << r.problem << '\n';
  return kFindings;
}

}  // namespace

// ---- the hook in check

void add_store_options(CLI::App* cmd, StoreArgs& args) {
  cmd->add_option("--store", args.store, "The record's SQLite file (default: `store:` in billcheck.yaml)")->check(kStoreFile);
  cmd->add_option("--by", args.by, "Who acts, for the record (default: the login name)");
}

void record_check(const StoreArgs& args, const Config& config, const std::string& book_path, const std::string& invoice,
                  const Book& book, Report& report, const CommonOptions& common,
                  const std::function<void(bool recording)>& write_report,
                  const std::function<void()>& after_recorded) {
  const fs::path path = store_path(args, config);
  if (path.empty()) {
    write_report(false);
    return;
  }
  // An incomplete check would make the findings of the rules that did not run look fixed.
  if (report.has_internal_errors() || !report.refused.empty()) {
    std::cerr << "billcheck: the run was not recorded in " << path.string()
              << ": the check was incomplete (a rule failed or a plugin was refused)\n";
    write_report(false);
    return;
  }
  Store store(path, StoreOptions{args.by, store_clock(), false});
  const RunRecord run = store.record_run(report, book, run_info(book_path, config.file, invoice),
                                         [&](const RunRecord&) { write_report(true); });
  if (after_recorded) {
    try {
      after_recorded();
    } catch (const std::exception&) {
      std::cerr << "billcheck: recorded run " << run.id << " in " << path.string()
                << ", but the rest of its report could not be written\n";
      throw;
    }
  }
  if (!quiet(common))
    std::cerr << "billcheck: recorded run " << run.id << " in " << path.string() << ": " << run.new_findings
              << " new, " << run.fixed << " fixed, " << run.reopened << " reopened\n";
}

void add_store_commands(CLI::App& app, CommonOptions& common, Commands& commands) {
  const std::vector<std::string> statuses = {"open", "acknowledged", "resolved", "waived", "reopened"};
  {
    auto args = std::make_shared<FindingsArgs>();
    auto* cmd = app.add_subcommand("findings", "List the findings the record keeps, with their state");
    add_store_options(cmd, args->store);
    cmd->add_option("--status", args->status, "Only findings in this state (repeat for several)")->check(CLI::IsMember(statuses));
    cmd->add_option("--client", args->client, "Only this client's findings");
    cmd->add_option("--invoice", args->invoice, "Only this invoice's findings");
    cmd->add_option("--rule", args->rule, "Only this rule's findings");
    cmd->add_option("-f,--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml in this folder)");
    commands.push_back({cmd, [args, &common] { return run_findings(*args, common); }});
  }
  {
    auto* group = app.add_subcommand("finding", "Move a finding: ack, resolve (with its remedy), waive, reopen");
    group->require_subcommand(1);
    for (const auto& [name, help] : std::vector<std::pair<std::string, std::string>>{
             {"ack", "Acknowledge a finding: someone is on it"},
             {"resolve", "Resolve a finding with its remedy (--remedy, --remedy-id, --amount)"},
             {"waive", "Waive a finding: accepted, with the reason (acts like a waiver in billcheck.yaml)"},
             {"reopen", "Reopen a resolved or waived finding"}}) {
      auto args = std::make_shared<MoveArgs>();
      args->action = name;
      auto* cmd = group->add_subcommand(name, help);
      cmd->add_option("fingerprint", args->fingerprint, "The finding's fingerprint (or a unique start of it)")->required();
      add_store_options(cmd, args->store);
      cmd->add_option("--note", args->note, "Why, for the record");
      if (name == "resolve") add_remedy_options(cmd, args->remedy);
      if (name == "waive") {
        cmd->add_option("--reason", args->reason, "Why the finding is accepted")->required();
        cmd->add_option("--approved-by", args->approved_by, "Who approved the waiver (default: --by)");
        cmd->add_option("--expires", args->expires, "The last day the waiver holds (YYYY-MM-DD)");
      }
      cmd->add_option("-f,--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
      cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml in this folder)");
      commands.push_back({cmd, [args, &common] { return run_move(*args, common); }});
    }
  }
  {
    auto args = std::make_shared<std::pair<StoreArgs, std::string>>();
    args->second = "text";
    auto* cmd = app.add_subcommand("runs", "List the runs recorded in the store");
    add_store_options(cmd, args->first);
    cmd->add_option("-f,--format", args->second, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml in this folder)");
    commands.push_back({cmd, [args, &common] { return run_runs(args->first, args->second, common); }});
  }
  {
    auto* group = app.add_subcommand("dispute", "A client's dispute: open, ack, investigate, resolve, close, note, show, list, paid");
    group->require_subcommand(1);
    auto add = [&](const std::string& name, const std::string& help, bool with_id,
                   const std::function<int(const DisputeArgs&, const CommonOptions&)>& run) {
      auto args = std::make_shared<DisputeArgs>();
      auto* cmd = group->add_subcommand(name, help);
      if (with_id) cmd->add_option("id", args->id, "The dispute's number")->required();
      add_store_options(cmd, args->store);
      cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml in this folder)");
      if (name != "note" && name != "paid")
        cmd->add_option("-f,--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
      commands.push_back({cmd, [args, run, &common] { return run(*args, common); }});
      return std::pair{cmd, args.get()};
    };
    {
      auto [cmd, a] = add("open", "Record the client's dispute about an invoice (or a line) and investigate it at once", false, run_dispute_open);
      cmd->add_option("--invoice", a->invoice, "The invoice the client disputes")->required();
      cmd->add_option("--line", a->line, "The line of the invoice, when the client names one");
      cmd->add_option("--reason", a->reason, "The reason code: rate, hours, arithmetic, duplicate, timing, client-details, payment-applied, scope, other, or one of disputes.reason_codes")->required();
      cmd->add_option("--says", a->says, "The client's own words")->required();
      cmd->add_option("--received", a->received, "The day the client's word arrived (YYYY-MM-DD; default today)");
      cmd->add_option("--book", a->book, "The book to investigate on (default: the book of the last recorded run)");
    }
    for (const auto& [name, help] : std::vector<std::pair<std::string, std::string>>{
             {"ack", "Acknowledge the dispute to the client"},
             {"investigate", "Start investigating the dispute"}})
      add(name, help, true, [action = name](const DisputeArgs& a, const CommonOptions& c) { return run_dispute_move(a, action, c); });
    {
      auto [cmd, a] = add("resolve", "Resolve the dispute: --upheld with the remedy, or --explained with the explanation", true,
                          [](const DisputeArgs& a, const CommonOptions& c) { return run_dispute_move(a, "resolve", c); });
      cmd->add_flag("--upheld", a->upheld, "The client is right");
      cmd->add_flag("--explained", a->explained, "The billing was right");
      cmd->add_option("--explanation", a->explanation, "Why the billing was right");
      cmd->add_flag("--explain", a->explain, "Store what `billcheck explain` says of the invoice (or line) as the explanation");
      cmd->add_option("--book", a->book, "The book for --explain (default: the book of the last recorded run)");
      add_remedy_options(cmd, a->remedy);
    }
    {
      auto [cmd, a] = add("close", "Close the dispute: the client was thanked and the follow-up sent", true,
                          [](const DisputeArgs& a, const CommonOptions& c) { return run_dispute_move(a, "close", c); });
      cmd->add_option("--note", a->note, "What was sent, for the record");
    }
    {
      auto [cmd, a] = add("note", "Record correspondence about the dispute", true, run_dispute_note);
      cmd->add_option("--channel", a->channel, "email, phone, meeting, letter or portal")
          ->check(CLI::IsMember({"email", "phone", "meeting", "letter", "portal"}))->required();
      cmd->add_option("--direction", a->direction, "in (from the client) or out (to the client)")
          ->check(CLI::IsMember({"in", "out"}))->required();
      cmd->add_option("--text", a->text, "What was said");
      cmd->add_option("--attach", a->attach, "A file kept with the note by its path and SHA-256")->check(CLI::ExistingFile);
      cmd->add_flag("--keep-bytes", a->keep, "Also keep the attachment's bytes in the store");
    }
    add("show", "Show a dispute with its findings and correspondence", true, run_dispute_show);
    {
      auto [cmd, a] = add("list", "List the disputes", false, run_dispute_list);
      cmd->add_option("--state", a->state, "Only disputes in this state")
          ->check(CLI::IsMember({"open", "acknowledged", "investigating", "upheld", "explained", "closed"}));
    }
    {
      auto [cmd, a] = add("paid", "Mark an instalment of the dispute's payment plan paid", true, run_dispute_paid);
      cmd->add_option("--instalment", a->instalment, "The instalment's number")->required();
      cmd->add_option("--on", a->paid_on, "The day it was paid (default today)");
    }
  }
  {
    auto args = std::make_shared<OverdueArgs>();
    auto* cmd = app.add_subcommand("disputes", "List the disputes; --overdue: those nobody answered in time and instalments past due");
    add_store_options(cmd, args->store);
    cmd->add_flag("--overdue", args->overdue, "Only what is overdue (exit 1 when anything is)");
    cmd->add_option("--today", args->today, "The day to count from (default today)");
    cmd->add_option("-f,--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    cmd->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml in this folder)");
    commands.push_back({cmd, [args, &common] { return run_disputes(*args, common); }});
  }
  {
    auto* group = app.add_subcommand("audit", "The audit trail: verify its hash chain, or export it");
    group->require_subcommand(1);
    auto verify = std::make_shared<VerifyArgs>();
    auto* v = group->add_subcommand("verify", "Check that no event was changed or removed behind billcheck's back (exit 1 at the first broken event)");
    add_store_options(v, verify->store);
    v->add_option("--anchor", verify->anchor,
                  "The head an earlier verify printed (ID:HASH), kept outside the store: exit 1 when that event is gone "
                  "(the newest events deleted) or different");
    v->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml in this folder)");
    commands.push_back({v, [verify, &common] { return run_audit_verify(*verify, common); }});
    auto log = std::make_shared<AuditArgs>();
    auto* l = group->add_subcommand("log", "The events in order: what the client said, what was found, what was done, who decided");
    add_store_options(l, log->store);
    l->add_option("--dispute", log->dispute, "Only the story of this dispute (with its findings')");
    l->add_option("--invoice", log->invoice, "Only the story of this invoice");
    l->add_option("-f,--format", log->format, "Output format")->check(CLI::IsMember({"text", "json", "csv"}))->capture_default_str();
    l->add_option("-c,--config", common.config, "Config file (default: billcheck.yaml in this folder)");
    commands.push_back({l, [log, &common] { return run_audit_log(*log, common); }});
  }
}

}  // namespace billcheck::cli
