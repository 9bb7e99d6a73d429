#include <billcheck/book.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <functional>
#include <numeric>

namespace billcheck {
namespace {

std::string join_lines(const std::vector<std::string>& messages) {
  std::string out;
  for (const auto& m : messages) {
    if (!out.empty()) out += '\n';
    out += m;
  }
  return out;
}

struct TimekeeperDay {
  std::string_view timekeeper;
  long long day;
  bool operator==(const TimekeeperDay&) const = default;
};
struct TimekeeperDayHash {
  std::size_t operator()(const TimekeeperDay& k) const {
    return std::hash<std::string_view>{}(k.timekeeper) * 31 + std::hash<long long>{}(k.day);
  }
};

template <class T>
using ById = std::unordered_map<std::string_view, const T*>;
template <class T>
using Grouped = std::unordered_map<std::string_view, std::vector<const T*>>;

template <class T>
std::span<const T* const> group(const Grouped<T>& g, std::string_view key) {
  auto it = g.find(key);
  if (it == g.end()) return {};
  return it->second;
}

template <class T>
const T* lookup(const ById<T>& m, std::string_view key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : it->second;
}

template <class T, class KeyOf>
ById<T> index_by_id(const std::vector<T>& records, KeyOf key) {
  ById<T> m;
  m.reserve(records.size());
  for (const auto& r : records) m.try_emplace(key(r), &r);  // first one wins
  return m;
}

void by_date(std::vector<const Invoice*>& v) {
  std::stable_sort(v.begin(), v.end(), [](const Invoice* a, const Invoice* b) { return a->issue_date < b->issue_date; });
}

}  // namespace

BookError::BookError(std::vector<std::string> messages)
    : Error(join_lines(messages)), messages_(std::move(messages)) {}

std::string_view BookData::intern_file(std::string name) {
  for (const auto& f : files)
    if (f == name) return f;
  return files.emplace_back(std::move(name));
}

struct Book::Index {
  ById<Client> clients;
  ById<Timekeeper> timekeepers;
  ById<Engagement> engagements;
  ById<Invoice> invoices;
  ById<TimeEntry> time_entries;
  ById<Payment> payments;
  Grouped<Invoice> invoices_numbered, invoices_of_client, invoices_of_engagement;
  Grouped<Rate> rates_of_engagement;
  std::unordered_map<TimekeeperDay, std::vector<const TimeEntry*>, TimekeeperDayHash> entries_on;
  Grouped<Payment> payments_of_invoice, payments_of_client;
  Grouped<CreditNote> notes_of_invoice, notes_of_client;
  std::recursive_mutex derived_mutex;  // recursive: a derived index may build on another
  std::map<std::string, std::shared_ptr<const void>, std::less<>> derived;
  std::vector<std::uint32_t> line_invoice;                          // per line: invoice index
  std::vector<std::pair<std::uint32_t, std::uint32_t>> invoice_lines;  // per invoice: [begin, end)
};

Book::Book(BookData data) : d_(std::move(data)), ix_(std::make_unique<Index>()) {
  Index& ix = *ix_;
  ix.clients = index_by_id(d_.clients, [](const Client& r) -> std::string_view { return r.id; });
  ix.timekeepers = index_by_id(d_.timekeepers, [](const Timekeeper& r) -> std::string_view { return r.id; });
  ix.engagements = index_by_id(d_.engagements, [](const Engagement& r) -> std::string_view { return r.id; });
  ix.invoices = index_by_id(d_.invoices, [](const Invoice& r) -> std::string_view { return r.id; });
  ix.time_entries = index_by_id(d_.time_entries, [](const TimeEntry& r) -> std::string_view { return r.id; });
  ix.payments = index_by_id(d_.payments, [](const Payment& r) -> std::string_view { return r.id; });

  for (const auto& inv : d_.invoices) {
    ix.invoices_numbered[inv.id].push_back(&inv);
    ix.invoices_of_client[inv.client_id].push_back(&inv);
    if (!inv.engagement_id.empty()) ix.invoices_of_engagement[inv.engagement_id].push_back(&inv);
  }
  for (auto& [key, v] : ix.invoices_of_client) by_date(v);
  for (auto& [key, v] : ix.invoices_of_engagement) by_date(v);
  for (const auto& r : d_.rates) ix.rates_of_engagement[r.engagement_id].push_back(&r);
  for (const auto& e : d_.time_entries)
    ix.entries_on[{e.timekeeper_id, e.date.sys_days().time_since_epoch().count()}].push_back(&e);
  for (const auto& p : d_.payments) {
    if (!p.invoice_id.empty()) ix.payments_of_invoice[p.invoice_id].push_back(&p);
    ix.payments_of_client[p.client_id].push_back(&p);
  }
  for (const auto& n : d_.credit_notes) {
    if (!n.invoice_id.empty()) ix.notes_of_invoice[n.invoice_id].push_back(&n);
    ix.notes_of_client[n.client_id].push_back(&n);
  }

  // Group lines by invoice, keeping file order within each invoice.
  std::vector<std::string> errors;
  std::vector<std::uint32_t> owner(d_.lines.size());
  for (std::size_t i = 0; i < d_.lines.size(); ++i) {
    const InvoiceLine& line = d_.lines[i];
    const Invoice* inv = lookup(ix.invoices, line.invoice_id);
    if (!inv) {
      std::string invoices_file = d_.invoices.empty() ? std::string("the invoices") : std::string(d_.invoices.front().source.file);
      errors.push_back(std::string(line.source.file) + ":" + std::to_string(line.source.line) +
                       ": column 'invoice_id': no invoice '" + line.invoice_id + "' in " + invoices_file +
                       "; add the invoice or correct the line's invoice_id");
      continue;
    }
    owner[i] = static_cast<std::uint32_t>(inv - d_.invoices.data());
  }
  if (!errors.empty()) throw BookError(std::move(errors));

  std::vector<std::uint32_t> order(d_.lines.size());
  std::iota(order.begin(), order.end(), 0u);
  bool sorted = std::is_sorted(owner.begin(), owner.end());
  if (!sorted) {
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return owner[a] < owner[b]; });
    std::vector<InvoiceLine> lines;
    lines.reserve(d_.lines.size());
    for (auto i : order) lines.push_back(std::move(d_.lines[i]));
    d_.lines = std::move(lines);
    std::vector<std::uint32_t> sorted_owner;
    sorted_owner.reserve(owner.size());
    for (auto i : order) sorted_owner.push_back(owner[i]);
    owner = std::move(sorted_owner);
  }
  ix.line_invoice = std::move(owner);
  ix.invoice_lines.assign(d_.invoices.size(), {0, 0});
  for (std::size_t i = 0; i < ix.line_invoice.size();) {
    std::size_t j = i;
    while (j < ix.line_invoice.size() && ix.line_invoice[j] == ix.line_invoice[i]) ++j;
    ix.invoice_lines[ix.line_invoice[i]] = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)};
    i = j;
  }
}

Book::Book(Book&&) noexcept = default;
Book& Book::operator=(Book&&) noexcept = default;
Book::~Book() = default;

const Client* Book::client(std::string_view id) const { return lookup(ix_->clients, id); }
const Timekeeper* Book::timekeeper(std::string_view id) const { return lookup(ix_->timekeepers, id); }
const Engagement* Book::engagement(std::string_view id) const { return lookup(ix_->engagements, id); }
const Invoice* Book::invoice(std::string_view id) const { return lookup(ix_->invoices, id); }
const TimeEntry* Book::time_entry(std::string_view id) const { return lookup(ix_->time_entries, id); }
const Payment* Book::payment(std::string_view id) const { return lookup(ix_->payments, id); }

std::span<const Invoice* const> Book::invoices_numbered(std::string_view id) const {
  return group(ix_->invoices_numbered, id);
}
std::span<const Invoice* const> Book::invoices_of_client(std::string_view id) const {
  return group(ix_->invoices_of_client, id);
}
std::span<const Invoice* const> Book::invoices_of_engagement(std::string_view id) const {
  return group(ix_->invoices_of_engagement, id);
}

std::span<const InvoiceLine> Book::lines_of(const Invoice& invoice) const {
  auto [begin, end] = ix_->invoice_lines[static_cast<std::size_t>(&invoice - d_.invoices.data())];
  return std::span<const InvoiceLine>(d_.lines).subspan(begin, end - begin);
}

const Invoice& Book::invoice_of(const InvoiceLine& line) const {
  return d_.invoices[ix_->line_invoice[static_cast<std::size_t>(&line - d_.lines.data())]];
}

const Rate* Book::agreed_rate(std::string_view engagement_id, std::string_view timekeeper_id, std::string_view role,
                              Date date) const {
  const Rate* by_role = nullptr;
  for (const Rate* r : group(ix_->rates_of_engagement, engagement_id)) {
    if (!r->effective_on(date)) continue;
    if (!r->timekeeper_id.empty()) {
      if (r->timekeeper_id == timekeeper_id) return r;
    } else if (!by_role && !role.empty() && r->role == role) {
      by_role = r;
    }
  }
  return by_role;
}

const Rate* Book::agreed_rate(const InvoiceLine& line) const {
  const Invoice& inv = invoice_of(line);
  const Timekeeper* tk = timekeeper(line.timekeeper_id);
  return agreed_rate(inv.engagement_id, line.timekeeper_id, tk ? std::string_view(tk->role) : std::string_view(),
                     line.date.value_or(inv.issue_date));
}

const void* Book::derived_value(std::string_view key,
                                const std::function<std::shared_ptr<const void>()>& make) const {
  std::lock_guard lock(ix_->derived_mutex);
  auto it = ix_->derived.find(key);
  if (it == ix_->derived.end()) it = ix_->derived.emplace(std::string(key), make()).first;
  return it->second.get();
}

bool Book::has_rate_card(std::string_view engagement_id) const {
  return ix_->rates_of_engagement.contains(engagement_id);
}

std::span<const TimeEntry* const> Book::time_entries_on(std::string_view timekeeper_id, Date date) const {
  auto it = ix_->entries_on.find({timekeeper_id, date.sys_days().time_since_epoch().count()});
  if (it == ix_->entries_on.end()) return {};
  return it->second;
}

std::span<const Payment* const> Book::payments_of_invoice(std::string_view id) const {
  return group(ix_->payments_of_invoice, id);
}
std::span<const Payment* const> Book::payments_of_client(std::string_view id) const {
  return group(ix_->payments_of_client, id);
}
std::span<const CreditNote* const> Book::credit_notes_of_invoice(std::string_view id) const {
  return group(ix_->notes_of_invoice, id);
}
std::span<const CreditNote* const> Book::credit_notes_of_client(std::string_view id) const {
  return group(ix_->notes_of_client, id);
}

}  // namespace billcheck
