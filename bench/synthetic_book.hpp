// A synthetic billing book of N invoice lines, written as the contract's CSV
// files: deterministic, realistic in shape, with every figure adding up except
// one line in `error_every` whose amount is off by one cent.
#pragma once

#include <billcheck/date.hpp>
#include <billcheck/decimal.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace billcheck::bench {

inline void write_synthetic_book(const std::filesystem::path& dir, std::size_t lines, std::size_t error_every = 1000) {
  std::filesystem::create_directories(dir);
  // Enough timekeepers that nobody bills more than a working day (one for each
  // 500 lines, so each bills as many lines in a book of any size), and monthly
  // periods spread over a year, so that only the planted errors are findings.
  constexpr std::size_t kLinesPerInvoice = 8, kClients = 200;
  const std::size_t kTimekeepers = std::max<std::size_t>(2000, lines / 500);
  static const char* kRoles[] = {"partner", "associate", "paralegal"};
  static const char* kRates[] = {"650.00", "420.00", "180.00"};
  static const char* kTasks[] = {"Review and revise draft agreement", "Call with opposing counsel",
                                 "Research limitation period", "Prepare witness statement"};

  std::ofstream clients(dir / "clients.csv");
  clients << "client_id,name,billing_address,billing_email,currency,payment_terms_days\n";
  for (std::size_t c = 0; c < kClients; ++c)
    clients << "C" << c << ",Client " << c << ",\"" << c << " Main Street, Springfield\",billing@client" << c
            << ".example,USD,30\n";

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
  std::ofstream pay(dir / "payments.csv");  // every invoice paid in full before it falls due
  pay << "payment_id,client_id,invoice_id,date,amount,currency\n";
  std::size_t written = 0;
  for (std::size_t i = 0; written < lines; ++i) {
    const std::size_t client = i % kClients;
    const unsigned month = static_cast<unsigned>((i / kClients) % 12) + 1;
    const Date start = *Date::from_ymd(2025, month, 1);
    const Date end = *Date::from_ymd(month == 12 ? 2026 : 2025, month == 12 ? 1 : month + 1, 1);
    const Date period_end = end.plus_days(-1), issued = end.plus_days(4);
    const std::size_t n = std::min(kLinesPerInvoice, lines - written);
    Decimal total;
    const std::string id = "INV-" + std::to_string(100000 + i);
    for (std::size_t l = 1; l <= n; ++l, ++written) {
      const std::size_t tk = written % kTimekeepers;
      Date day = start.plus_days(static_cast<long long>((written / kTimekeepers) % 28));
      while (day.weekday_index() >= 5) day = day.plus_days(1);  // weekdays only
      const Decimal hours = Decimal::from_raw(static_cast<std::int64_t>(((written % 20) + 1) * 100000));  // 0.1 .. 2.0
      const Decimal rate = *Decimal::parse(kRates[tk % 3]);
      Decimal amount = (hours * rate).round(2);
      if (error_every && written % error_every == error_every - 1) amount += *Decimal::parse("0.01");
      total += amount;
      out << id << ',' << l << ",fee," << day.to_string() << ",T" << tk << ",L120,A104,\"" << kTasks[written % 4]
          << ", item " << written << "\"," << hours.to_string(1) << ',' << rate.to_string(2) << ','
          << amount.to_string(2) << '\n';
    }
    inv << id << ",C" << client << ",E" << client << ',' << issued.to_string() << ',' << start.to_string() << ','
        << period_end.to_string() << ',' << issued.plus_days(30).to_string() << ",USD," << total.to_string(2)
        << ",issued\n";
    pay << "P-" << i << ",C" << client << ',' << id << ',' << issued.plus_days(20).to_string() << ','
        << total.to_string(2) << ",USD\n";
  }
}

}  // namespace billcheck::bench
