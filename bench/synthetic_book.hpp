// A synthetic billing book of N invoice lines, written as the contract's CSV
// files: deterministic, realistic in shape, with every figure adding up except
// one line in `error_every` whose amount is off by one cent.
#pragma once

#include <billcheck/date.hpp>
#include <billcheck/decimal.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace billcheck::bench {

inline void write_synthetic_book(const std::filesystem::path& dir, std::size_t lines, std::size_t error_every = 1000) {
  std::filesystem::create_directories(dir);
  constexpr std::size_t kLinesPerInvoice = 8, kClients = 200, kTimekeepers = 50;
  static const char* kRoles[] = {"partner", "associate", "paralegal"};
  static const char* kRates[] = {"650.00", "420.00", "180.00"};

  std::ofstream clients(dir / "clients.csv");
  clients << "client_id,name,currency,payment_terms_days,credit_limit\n";
  for (std::size_t c = 0; c < kClients; ++c) clients << "C" << c << ",Client " << c << ",USD,30,\n";

  std::ofstream tks(dir / "timekeepers.csv");
  tks << "timekeeper_id,name,role\n";
  for (std::size_t t = 0; t < kTimekeepers; ++t) tks << "T" << t << ",Keeper " << t << "," << kRoles[t % 3] << "\n";

  std::ofstream eng(dir / "engagements.csv");
  eng << "engagement_id,client_id,name,billing_cycle\n";
  std::ofstream rates(dir / "rates.csv");
  rates << "engagement_id,role,rate,effective_from\n";
  for (std::size_t c = 0; c < kClients; ++c) {
    eng << "E" << c << ",C" << c << ",Matter " << c << ",milestone\n";
    for (int r = 0; r < 3; ++r) rates << "E" << c << "," << kRoles[r] << "," << kRates[r] << ",2020-01-01\n";
  }

  std::ofstream inv(dir / "invoices.csv");
  inv << "invoice_id,client_id,engagement_id,issue_date,period_start,period_end,due_date,currency,total,status\n";
  std::ofstream out(dir / "invoice_lines.csv");
  out << "invoice_id,line_no,type,date,timekeeper_id,task_code,activity_code,description,quantity,rate,amount\n";
  const Date base = *Date::parse_iso("2026-01-01");
  std::size_t written = 0;
  for (std::size_t i = 0; written < lines; ++i) {
    const std::size_t client = i % kClients;
    const std::size_t n = std::min(kLinesPerInvoice, lines - written);
    Decimal total;
    const std::string id = "INV-" + std::to_string(100000 + i);
    for (std::size_t l = 1; l <= n; ++l, ++written) {
      const std::size_t tk = (i + l) % kTimekeepers;
      const Decimal hours = Decimal::from_raw(static_cast<std::int64_t>(((written % 40) + 1) * 100000));  // 0.1 .. 4.0
      const Decimal rate = *Decimal::parse(kRates[tk % 3]);
      Decimal amount = (hours * rate).round(2);
      if (error_every && written % error_every == error_every - 1) amount += *Decimal::parse("0.01");
      total += amount;
      out << id << ',' << l << ",fee," << base.plus_days(static_cast<long long>(l)).to_string() << ",T" << tk
          << ",L120,A104,\"Review and revise draft agreement, call with counsel\"," << hours.to_string(1) << ','
          << rate.to_string(2) << ',' << amount.to_string(2) << '\n';
    }
    inv << id << ",C" << client << ",E" << client << ",2026-02-05,2026-01-01,2026-01-31,2026-03-07,USD,"
        << total.to_string(2) << ",issued\n";
  }
}

}  // namespace billcheck::bench
