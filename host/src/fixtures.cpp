#include <billcheck/fixtures.hpp>

#include <billcheck/engine.hpp>
#include <billcheck/load.hpp>

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace billcheck {
namespace fs = std::filesystem;
namespace {

struct Expectation {
  std::vector<std::pair<std::string, std::string>> keys;  // field -> wanted value
  std::string where;                                      // expect.yaml:line
  std::string text;                                       // as written, for messages
};

const std::string* field_of(const Finding& f, const std::string& key, std::string& scratch) {
  if (key == "rule") return &f.rule;
  if (key == "client") return &f.client;
  if (key == "engagement") return &f.engagement;
  if (key == "invoice") return &f.invoice;
  if (key == "line") return &f.line;
  if (key == "payment") return &f.payment;
  if (key == "credit_note") return &f.credit_note;
  if (key == "time_entry") return &f.time_entry;
  if (key == "category") return &f.category;
  if (key == "severity") return &(scratch = std::string(to_string(f.severity)));
  if (key == "amount_at_stake") {
    scratch = f.amount_at_stake ? f.amount_at_stake->to_string() : "";
    return &scratch;
  }
  return nullptr;
}

bool matches(const Finding& f, const Expectation& e) {
  std::string scratch;
  for (const auto& [key, want] : e.keys) {
    const std::string* have = field_of(f, key, scratch);
    if (!have) return false;
    if (key == "amount_at_stake") {
      auto a = Decimal::parse(want);
      auto b = Decimal::parse(*have);
      if (!a || !b || *a != *b) return false;
    } else if (*have != want) {
      return false;
    }
  }
  return true;
}

std::string brief(const Finding& f) {
  std::string s = f.rule;
  for (auto [k, v] : {std::pair{"client", &f.client}, {"invoice", &f.invoice}, {"line", &f.line},
                      {"payment", &f.payment}, {"credit_note", &f.credit_note}})
    if (!v->empty()) s += std::string(" ") + k + "=" + *v;
  if (f.amount_at_stake) s += " at_stake=" + f.amount_at_stake->to_string();
  return s;
}

std::vector<Expectation> read_expectations(const YAML::Node& list, const fs::path& file, std::vector<std::string>& errors) {
  static const std::vector<std::string> kKeys = {"rule", "client", "engagement", "invoice", "line", "payment",
                                                 "credit_note", "time_entry", "category", "severity", "amount_at_stake"};
  std::vector<Expectation> out;
  if (!list) return out;
  if (!list.IsSequence()) {
    errors.push_back(file.string() + ":" + std::to_string(list.Mark().line + 1) + ": expected a list of findings");
    return out;
  }
  for (const auto& item : list) {
    Expectation e;
    e.where = file.string() + ":" + std::to_string(item.Mark().line + 1);
    if (!item.IsMap() || !item["rule"]) {
      errors.push_back(e.where + ": each entry needs at least 'rule'");
      continue;
    }
    for (const auto& kv : item) {
      std::string key = kv.first.as<std::string>();
      if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
        errors.push_back(e.where + ": unknown key '" + key + "'");
        continue;
      }
      std::string value = kv.second.as<std::string>();
      e.keys.emplace_back(key, value);
      e.text += (e.text.empty() ? "" : " ") + key + "=" + value;
    }
    out.push_back(std::move(e));
  }
  return out;
}

FixtureTally run_file(const fs::path& expect_file, std::ostream& out, bool verbose) {
  FixtureTally tally;
  YAML::Node root;
  try {
    root = YAML::LoadFile(expect_file.string());
  } catch (const YAML::Exception& e) {
    throw ConfigError({expect_file.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg});
  }
  const fs::path dir = expect_file.parent_path();
  std::vector<std::string> errors;
  if (!root["fixtures"] || !root["fixtures"].IsSequence())
    throw ConfigError({expect_file.string() + ": needs a 'fixtures:' list"});
  for (const auto& fx : root["fixtures"]) {
    std::string where = expect_file.string() + ":" + std::to_string(fx.Mark().line + 1);
    if (!fx["book"]) {
      errors.push_back(where + ": a fixture needs 'book' (a folder or .json file beside expect.yaml)");
      continue;
    }
    auto expected = read_expectations(fx["expect"], expect_file, errors);
    auto forbidden = read_expectations(fx["not_flagged"], expect_file, errors);
    if (!errors.empty()) continue;

    fs::path book_path = dir / fx["book"].as<std::string>();
    Config config;
    if (fx["config"]) config = load_config(dir / fx["config"].as<std::string>());
    else if (fs::exists(dir / "pack.yaml")) config.packs.push_back(dir);
    Engine engine(std::move(config));
    Book book = load_book(book_path);
    CheckOptions options;
    options.jobs = 1;
    Report report = engine.check(book, options);

    for (const auto& e : expected) {
      bool found = std::any_of(report.findings.begin(), report.findings.end(), [&](const Finding& f) { return matches(f, e); });
      if (found) {
        ++tally.passed;
        if (verbose) out << "ok   " << e.where << ": " << book_path.filename().string() << " flags " << e.text << '\n';
        continue;
      }
      ++tally.failed;
      out << "FAIL " << e.where << ": " << book_path.string() << " should be flagged: " << e.text << '\n';
      for (const auto& f : report.findings)
        if (f.rule == e.keys.front().second) out << "       found instead: " << brief(f) << '\n';
    }
    for (const auto& e : forbidden) {
      auto hit = std::find_if(report.findings.begin(), report.findings.end(), [&](const Finding& f) { return matches(f, e); });
      if (hit == report.findings.end()) {
        ++tally.passed;
        if (verbose) out << "ok   " << e.where << ": " << book_path.filename().string() << " does not flag " << e.text << '\n';
        continue;
      }
      ++tally.failed;
      out << "FAIL " << e.where << ": " << book_path.string() << " must not be flagged: " << e.text << '\n'
          << "       but found: " << brief(*hit) << " — " << hit->message << '\n';
    }
  }
  if (!errors.empty()) throw ConfigError(std::move(errors));
  return tally;
}

}  // namespace

FixtureTally run_fixtures(const fs::path& dir, std::ostream& out, bool verbose) {
  std::vector<fs::path> files;
  if (fs::is_regular_file(dir)) {
    files.push_back(dir);
  } else if (fs::exists(dir / "expect.yaml")) {
    files.push_back(dir / "expect.yaml");
  } else if (fs::is_directory(dir)) {
    for (const auto& entry : fs::recursive_directory_iterator(dir))
      if (entry.path().filename() == "expect.yaml") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
  }
  if (files.empty())
    throw ConfigError({dir.string() + ": no expect.yaml found (fixtures are described in DIR/expect.yaml)"});
  FixtureTally total;
  for (const auto& f : files) {
    FixtureTally t = run_file(f, out, verbose);
    total.passed += t.passed;
    total.failed += t.failed;
  }
  return total;
}

}  // namespace billcheck
