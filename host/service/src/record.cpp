#include "record.hpp"

#include "responses.hpp"

#include "load/encoding.hpp"

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <set>

namespace billcheck::service {
namespace {

using Json = nlohmann::ordered_json;

HttpError bad(std::string message) { return HttpError{400, "bad_request", std::move(message), {}}; }

/// What nlohmann::json says is wrong, without its tag: "[json.exception.parse_error.101]
/// parse error at line 2, column 10: syntax error ..." is "at line 2, column 10: syntax error ...".
std::string json_problem(const Json::exception& e) {
  std::string_view text = e.what();
  if (text.starts_with("[json.exception.")) {
    if (const auto end = text.find("] "); end != std::string_view::npos) text.remove_prefix(end + 2);
  }
  if (text.starts_with("parse error ")) text.remove_prefix(std::string_view("parse error ").size());
  return std::string(text);
}

/// The body as a JSON object whose keys are all among `known`.
Json object_of(std::string_view body, std::initializer_list<const char*> known) {
  Json j;
  try {
    j = Json::parse(body);
  } catch (const Json::exception& e) {
    const std::string problem = json_problem(e);
    throw bad("the body is not JSON" + std::string(problem.starts_with("at ") ? " " : ": ") + problem);
  }
  if (!j.is_object()) throw bad("the body must be a JSON object");
  std::set<std::string> allowed(known.begin(), known.end());
  for (const auto& [key, value] : j.items())
    if (!allowed.count(key)) {
      std::string list;
      for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      throw bad("unknown key '" + key + "' (the body takes " + list + ")");
    }
  return j;
}

std::string text_of(const Json& j, const char* key, const std::string& where = {}) {
  if (!j.contains(key) || j[key].is_null()) return {};
  if (!j[key].is_string()) throw bad((where.empty() ? "" : where + ".") + key + ": give a string");
  return j[key].get<std::string>();
}

/// {"kind", "id", "amount", "instalments": [{"amount", "due"}]}; amounts are
/// strings, so that no amount passes through a binary floating point number.
std::optional<RemedyRecord> remedy_of(const Json& j) {
  if (!j.contains("remedy") || j["remedy"].is_null()) return std::nullopt;
  const Json& r = j["remedy"];
  if (!r.is_object()) throw bad("remedy: give an object {\"kind\", \"id\", \"amount\"}");
  for (const auto& [key, value] : r.items())
    if (key != "kind" && key != "id" && key != "amount" && key != "instalments")
      throw bad("remedy: unknown key '" + key + "' (kind, id, amount, instalments)");
  if (r.contains("amount") && r["amount"].is_number())
    throw bad("remedy.amount: give the amount as a string (\"120.00\"), so that it stays exact");
  RemedyRecord out{text_of(r, "kind", "remedy"), text_of(r, "id", "remedy"), text_of(r, "amount", "remedy"), "", {}};
  if (out.kind == "payment-plan" && (!r.contains("instalments") || r["instalments"].empty()))
    throw bad("remedy.instalments: a payment plan needs its instalments, [{\"amount\": \"100.00\", \"due\": \"YYYY-MM-DD\"}, ...]");
  if (r.contains("instalments")) {
    if (!r["instalments"].is_array()) throw bad("remedy.instalments: give a list of {\"amount\", \"due\"}");
    for (const auto& i : r["instalments"]) {
      if (!i.is_object()) throw bad("remedy.instalments: each is {\"amount\": \"100.00\", \"due\": \"YYYY-MM-DD\"}");
      const std::string where = "remedy.instalments[" + std::to_string(out.instalments.size()) + "]";
      if (i.contains("amount") && i["amount"].is_number())
        throw bad(where + ".amount: give the amount as a string, so that it stays exact");
      out.instalments.push_back({static_cast<int>(out.instalments.size()) + 1, text_of(i, "amount", where),
                                 text_of(i, "due", where), ""});
    }
  }
  return out;
}

template <class T>
std::string list_json(const char* key, const std::vector<T>& items) {
  Json list = Json::array();
  for (const auto& item : items) list.push_back(Json::parse(to_json(item)));
  return Json{{key, list}}.dump(2) + "\n";
}

}  // namespace

// What a move needs besides its action is checked here as well as by the store,
// whose messages name the CLI's flags (--reason TEXT): a request names its keys.

FindingMove finding_move_from_json(std::string_view body) {
  const Json j = object_of(body, {"action", "note", "remedy", "reason", "approved_by", "expires", "by"});
  FindingMove move{text_of(j, "action"), text_of(j, "note"),        remedy_of(j),
                   text_of(j, "reason"), text_of(j, "approved_by"), text_of(j, "expires")};
  if (move.action == "resolve" && !move.remedy)
    throw bad("remedy: resolving a finding needs its remedy, {\"kind\", \"id\", \"amount\"}");
  if (move.action == "waive" && move.waiver_reason.empty())
    throw bad("reason: waiving a finding needs the reason it is accepted");
  return move;
}

DisputeMove dispute_move_from_json(std::string_view body) {
  const Json j = object_of(body, {"action", "note", "explanation", "remedy", "by"});
  DisputeMove move{text_of(j, "action"), text_of(j, "note"), text_of(j, "explanation"), remedy_of(j)};
  if (move.action == "uphold" && !move.remedy)
    throw bad("remedy: upholding a dispute needs its remedy, {\"kind\", \"id\", \"amount\"}");
  if (move.action == "explain" && move.explanation.empty())
    throw bad("explanation: explaining a dispute needs the explanation given to the client");
  return move;
}

NoteRequest note_from_json(std::string_view body) {
  const Json j = object_of(body, {"channel", "direction", "text", "by"});
  // No attachments: a path in a request never reaches the service's file system.
  NoteRequest note;
  note.channel = text_of(j, "channel");
  note.direction = text_of(j, "direction");
  note.text = text_of(j, "text");
  if (note.text.empty()) throw bad("text: give what was said (attachments are kept with `billcheck dispute note --attach`)");
  return note;
}

bool is_text(std::string_view value) {
  return value.find('\0') == std::string_view::npos && encoding::is_utf8(value);
}

std::string checked_actor(const std::string& by) {
  // The record and its audit trail keep the name as given: text a person reads, nothing else.
  if (by.empty() || by.size() > 200 || !is_text(by) ||
      std::any_of(by.begin(), by.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    throw bad("by: give who acts, 1 to 200 characters of UTF-8 text, no control characters");
  return by;
}

std::string actor_from_json(std::string_view body, const std::string& fallback) {
  const Json j = Json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("by") || j["by"].is_null()) return fallback;
  if (!j["by"].is_string()) throw bad("by: give who acts, 1 to 200 characters of UTF-8 text, no control characters");
  return checked_actor(j["by"].get<std::string>());
}

std::string runs_json(const std::vector<RunRecord>& runs) { return list_json("runs", runs); }
std::string findings_json(const std::vector<FindingRecord>& findings) { return list_json("findings", findings); }
std::string disputes_json(const std::vector<Dispute>& disputes) { return list_json("disputes", disputes); }

std::string pretty(const std::string& json) { return Json::parse(json).dump(2) + "\n"; }

std::string audit_json(const AuditResult& r) {
  return Json{{"intact", r.intact}, {"events", r.events}, {"broken", r.broken}, {"problem", r.problem}, {"head", r.head}}
             .dump(2) +
         "\n";
}

}  // namespace billcheck::service
