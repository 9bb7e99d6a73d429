// The record's routes (/v1/runs, /v1/findings, /v1/disputes): the requests'
// JSON bodies read into the store's moves, and the store's answers written as
// the JSON `billcheck findings --format json` and its siblings print.
#pragma once

#include <billcheck/store.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace billcheck::service {

/// A move's body as JSON text: throws HttpError 400 naming what is wrong
/// (not JSON, an unknown key, a value of the wrong type).
FindingMove finding_move_from_json(std::string_view body);
DisputeMove dispute_move_from_json(std::string_view body);
NoteRequest note_from_json(std::string_view body);
/// Who acts, from the body's "by" (default: the service's actor).
/// Whether `value` is UTF-8 text without NULs (what a query value must be to reach the record).
bool is_text(std::string_view value);
/// `by` when it names who acts (1 to 200 characters of UTF-8, no control characters); a 400 otherwise.
std::string checked_actor(const std::string& by);
std::string actor_from_json(std::string_view body, const std::string& fallback);

std::string runs_json(const std::vector<RunRecord>& runs);
std::string findings_json(const std::vector<FindingRecord>& findings);
std::string disputes_json(const std::vector<Dispute>& disputes);
std::string audit_json(const AuditResult& result);
/// One record's JSON (the store's to_json) laid out as the CLI prints it.
std::string pretty(const std::string& json);

}  // namespace billcheck::service
