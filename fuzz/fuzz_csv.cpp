// libFuzzer: the CSV book reader. The first byte picks which of the book's
// files the rest is (so every entity's columns are reached); a fixed header
// row for invoices.csv and invoice_lines.csv keeps the folder a book.
#include "scratch.hpp"

#include <billcheck/load.hpp>

#include <array>
#include <cstddef>

namespace {
constexpr std::array<const char*, 9> kFiles{"invoices",   "invoice_lines", "clients",      "engagements", "rates",
                                            "timekeepers", "time_entries", "payments",     "credit_notes"};
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fs = std::filesystem;
  if (size == 0) return 0;
  const fs::path& dir = billcheck::fuzz::scratch_dir();
  for (const auto& entry : fs::directory_iterator(dir)) fs::remove(entry.path());
  billcheck::fuzz::write_scratch(dir / "invoices.csv", "invoice_id,client_id,issue_date,currency,total\n");
  billcheck::fuzz::write_scratch(dir / "invoice_lines.csv", "invoice_id,line_no,quantity,rate,amount\n");
  const std::string name = std::string(kFiles[data[0] % kFiles.size()]) + ".csv";
  billcheck::fuzz::write_scratch(dir / name, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  try {
    billcheck::Book book(billcheck::read_csv_directory(dir));
  } catch (const billcheck::BookError&) {
  }
  return 0;
}
