#include "rules.hpp"

#include <vector>

namespace billcheck::client_info {
namespace {

bool is_ascii_alnum(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

/// What is wrong with the local part (before the @), or empty.
std::string local_problem(std::string_view local) {
  if (local.empty()) return "has nothing before the @";
  if (local.size() > 64) return "has more than 64 characters before the @";
  if (local.front() == '.' || local.back() == '.') return "starts or ends the part before the @ with a dot";
  if (local.find("..") != std::string_view::npos) return "has two dots in a row";
  for (unsigned char c : local)
    if (!is_ascii_alnum(c) && c < 0x80 && std::string_view("!#$%&'*+/=?^_`{|}~.-").find(static_cast<char>(c)) ==
                                             std::string_view::npos)
      return std::string("has a character an address cannot have: '") + static_cast<char>(c) + "'";
  return {};
}

/// What is wrong with the domain (after the @), or empty.
std::string domain_problem(std::string_view domain) {
  if (domain.empty()) return "has no domain after the @";
  if (domain.size() > 253) return "has a domain longer than 253 characters";
  if (domain.find('.') == std::string_view::npos) return "has no dot in its domain (" + std::string(domain) + ")";
  std::string_view label;
  for (std::size_t start = 0;;) {
    const auto dot = domain.find('.', start);
    label = domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return "has an empty part in its domain (" + std::string(domain) + ")";
    if (label.size() > 63) return "has a domain part longer than 63 characters";
    if (label.front() == '-' || label.back() == '-')
      return "has a domain part that starts or ends with a hyphen (" + std::string(label) + ")";
    for (unsigned char c : label)
      if (!is_ascii_alnum(c) && c != '-' && c < 0x80)
        return std::string("has a character a domain cannot have: '") + static_cast<char>(c) + "'";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  // The last part is the top-level domain: at least two characters, not all digits.
  if (label.size() < 2 || std::all_of(label.begin(), label.end(), [](unsigned char c) { return c >= '0' && c <= '9'; }))
    return "does not end in a top-level domain (" + std::string(label) + ")";
  return {};
}

/// What is wrong with one address, or empty when it is well formed.
std::string address_problem(std::string_view address) {
  for (unsigned char c : address) {
    if (std::isspace(c)) return "has a space in it";
    if (c < 0x20 || c == 0x7f) return "has a control character in it";
  }
  const auto at = address.find('@');
  if (at == std::string_view::npos) return "has no @";
  if (address.find('@', at + 1) != std::string_view::npos) return "has more than one @";
  if (std::string p = local_problem(address.substr(0, at)); !p.empty()) return p;
  return domain_problem(address.substr(at + 1));
}

/// What is wrong with a billing_email cell, or empty: one address, or several
/// separated by `,` or `;`.
std::string email_problem(std::string_view cell) {
  std::vector<std::string_view> addresses;
  while (true) {
    const auto sep = cell.find_first_of(",;");
    if (std::string_view a = trimmed(cell.substr(0, sep)); !a.empty()) addresses.push_back(a);
    if (sep == std::string_view::npos) break;
    cell.remove_prefix(sep + 1);
  }
  if (addresses.empty()) return "has no address between its separators";
  for (std::string_view a : addresses)
    if (std::string p = address_problem(a); !p.empty())
      return addresses.size() == 1 ? p : "'" + std::string(a) + "' " + p;
  return {};
}

}  // namespace

RuleInfo BillingEmailRule::info() {
  RuleInfo info;
  info.id = "client-info.billing-email";
  info.reach = Reach::client;
  info.title = "Malformed billing email";
  info.category = "client-info";
  info.severity = Severity::error;
  info.description =
      "A billed client's billing_email must be a well-formed address (several may be separated by `,` or `;`): "
      "one @, a part before it of letters, digits and the characters addresses allow with no dot at either end "
      "and no two in a row, and a domain of dot-separated parts of letters, digits and hyphens (no hyphen at "
      "either end of a part) ending in a top-level domain of two or more characters; no spaces. Non-ASCII letters "
      "are accepted. The check is on form only: it cannot tell whether the mailbox exists. An empty billing_email "
      "is not reported, and clients with no invoice in the book other than void ones are not checked.";
  return info;
}

void BillingEmailRule::check(const Client& client, Context& ctx) const {
  const std::string_view email = trimmed(client.billing_email);
  if (email.empty()) return;
  const std::string problem = email_problem(client.billing_email);
  if (problem.empty() || !is_billed(ctx.book(), client)) return;
  ctx.report(client, client_name(client) + "'s billing email \"" + std::string(email) + "\" " + problem +
                         ", so invoices sent to it will not arrive; correct the address.")
      .evidence_of("expected", "a well-formed email address")
      .evidence_of("actual", std::string(email));
}

}  // namespace billcheck::client_info
