// What the engine does to the findings once every rule has run: sort them,
// fingerprint them, set the waived ones apart and add up the summary.
#pragma once

#include <billcheck/engine.hpp>

#include <map>
#include <string>
#include <vector>

namespace billcheck::detail {

/// Sorts report.findings into the report order, gives each its fingerprint,
/// moves those a waiver covers (unexpired on `today`) to report.waived and
/// fills the summary's counts and money, and the causes findings share.
void finish_report(Report& report, const std::vector<Waiver>& waivers, Date today);

/// Adds up the summary's counts and money (and groups the causes) again from report.findings and
/// report.waived, after a finding was set apart (a waiver in the store).
void summarize(Report& report);

/// The remedies the book's credit notes and invoices name under `remedies`
/// (one or more fingerprints, separated by spaces), kept on the Book.
const std::map<std::string, Remedy>& remedy_claims_of(const Book& book);

/// Fills report.remedies: each finding whose fingerprint a claim names.
void find_remedies(Report& report, const std::map<std::string, Remedy>& claims);

}  // namespace billcheck::detail
