// The client-info plugin's rules: an invoice goes to a known client, at a
// billing address and email that work, to the right entity, in the client's
// currency, from details checked recently.
#pragma once

#include <billcheck/sdk.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

namespace billcheck::client_info {

/// Every invoice is for a client in the book.
class UnknownClientRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// Every engagement is for a client in the book.
class EngagementUnknownClientRule : public BookRule {
 public:
  static RuleInfo info();
  void check(const Book& book, Context& ctx) const override;
};

/// A billed client has a billing address.
class BillingAddressRule : public ClientRule {
 public:
  static RuleInfo info();
  void check(const Client& client, Context& ctx) const override;
};

/// A billed client's billing email is a well-formed address.
class BillingEmailRule : public ClientRule {
 public:
  static RuleInfo info();
  void check(const Client& client, Context& ctx) const override;
};

/// A billed engagement bills the same entity as its client.
class BillingEntityRule : public ClientRule {
 public:
  static RuleInfo info();
  void check(const Client& client, Context& ctx) const override;
};

/// An invoice is in its client's currency.
class CurrencyRule : public InvoiceRule {
 public:
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;
};

/// An invoice goes out on client details verified recently.
class StaleVerificationRule : public InvoiceRule {
 public:
  explicit StaleVerificationRule(const Options& options);
  static RuleInfo info();
  void check(const Invoice& invoice, Context& ctx) const override;

 private:
  const std::int64_t max_age_days_;
  const bool report_never_verified_;
};

// Helpers shared by the rules above.

/// A client as a sentence names it: its name, else its id.
inline std::string client_name(const Client& client) {
  return client.name.empty() ? "client " + client.id : client.name;
}

/// Whether anything was billed to the client: it has an invoice that is not
/// void. Client records nothing was sent to are not checked.
inline bool is_billed(const Book& book, const Client& client) {
  const auto invoices = book.invoices_of_client(client.id);
  return std::any_of(invoices.begin(), invoices.end(), [](const Invoice* i) { return !i->is_void(); });
}

inline std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

/// Whether two names or codes are the same whatever their case and spacing:
/// `Northwind  Freight inc.` is `Northwind Freight Inc.`.
inline bool same_text(std::string_view a, std::string_view b) {
  auto next = [](std::string_view& s, bool& space) -> int {
    space = false;
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
      s.remove_prefix(1);
      space = true;
    }
    if (s.empty()) return -1;
    const int c = std::tolower(static_cast<unsigned char>(s.front()));
    s.remove_prefix(1);
    return c;
  };
  a = trimmed(a);
  b = trimmed(b);
  for (;;) {
    bool space_a = false, space_b = false;
    const int x = next(a, space_a), y = next(b, space_b);
    if (x != y || space_a != space_b) return false;
    if (x < 0) return true;
  }
}

}  // namespace billcheck::client_info
