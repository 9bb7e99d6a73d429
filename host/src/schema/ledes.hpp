// The LEDES 1998B format as both the reader and the writer see it: the first
// line, the 24 standard fields in their standard order, and how line types and
// timekeeper classifications map onto the book's words.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace billcheck::ledes {

/// The first line of every LEDES 1998B file.
inline constexpr std::string_view kFirstLine = "LEDES1998B[]";

/// The standard fields, in the order the format's own header lists them.
enum Field : std::size_t {
  kInvoiceDate,
  kInvoiceNumber,
  kClientId,
  kLawFirmMatterId,
  kInvoiceTotal,
  kBillingStartDate,
  kBillingEndDate,
  kInvoiceDescription,
  kLineItemNumber,
  kLineType,
  kUnits,
  kAdjustment,
  kLineTotal,
  kLineDate,
  kTaskCode,
  kExpenseCode,
  kActivityCode,
  kTimekeeperId,
  kLineDescription,
  kLawFirmId,
  kUnitCost,
  kTimekeeperName,
  kTimekeeperClassification,
  kClientMatterId,
  kFieldCount
};

inline constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "INVOICE_DATE",       "INVOICE_NUMBER",
    "CLIENT_ID",          "LAW_FIRM_MATTER_ID",
    "INVOICE_TOTAL",      "BILLING_START_DATE",
    "BILLING_END_DATE",   "INVOICE_DESCRIPTION",
    "LINE_ITEM_NUMBER",   "EXP/FEE/INV_ADJ_TYPE",
    "LINE_ITEM_NUMBER_OF_UNITS", "LINE_ITEM_ADJUSTMENT_AMOUNT",
    "LINE_ITEM_TOTAL",    "LINE_ITEM_DATE",
    "LINE_ITEM_TASK_CODE", "LINE_ITEM_EXPENSE_CODE",
    "LINE_ITEM_ACTIVITY_CODE", "TIMEKEEPER_ID",
    "LINE_ITEM_DESCRIPTION", "LAW_FIRM_ID",
    "LINE_ITEM_UNIT_COST", "TIMEKEEPER_NAME",
    "TIMEKEEPER_CLASSIFICATION", "CLIENT_MATTER_ID"};

// The LEDES fields the book has no column for, kept as extras under these names.
inline constexpr std::string_view kInvoiceDescriptionExtra = "invoice_description";
inline constexpr std::string_view kLawFirmIdExtra = "law_firm_id";
inline constexpr std::string_view kClientMatterIdExtra = "client_matter_id";
/// On an adjustment line: `IF` (fee) or `IE` (expense), the invoice-level adjustment type.
inline constexpr std::string_view kLineTypeExtra = "ledes_type";
/// On a timekeeper read from LEDES: the classification code as written (`PARTNR`).
inline constexpr std::string_view kClassificationExtra = "ledes_classification";

struct Classification {
  std::string_view code;
  std::string_view role;
};

/// The 1998B classification codes and the roles the book (and rates.csv) uses for them.
inline constexpr std::array<Classification, 6> kClassifications = {{{"PARTNR", "partner"},
                                                                    {"ASSOC", "associate"},
                                                                    {"OFCOUN", "counsel"},
                                                                    {"PARLEG", "paralegal"},
                                                                    {"LEGAST", "legal assistant"},
                                                                    {"OTHER", "other"}}};

inline std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

/// `PARTNR` -> `partner`; a code the format does not define -> its lower-case text.
inline std::string role_of(std::string_view classification) {
  for (const auto& c : kClassifications)
    if (c.code == classification) return std::string(c.role);
  return lower(classification);
}

/// Whether `text` starts with the LEDES 1998B first line (after a byte order mark).
bool is_ledes_text(std::string_view text);

/// `partner` -> `PARTNR`; a role without a code -> `OTHER`.
inline std::string_view classification_of(std::string_view role) {
  const std::string r = lower(role);
  if (r == "of counsel") return "OFCOUN";
  for (const auto& c : kClassifications)
    if (c.role == r) return c.code;
  return "OTHER";
}

}  // namespace billcheck::ledes
