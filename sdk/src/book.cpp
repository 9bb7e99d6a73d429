#include <billcheck/book.hpp>
#include <billcheck/id_map.hpp>
#include <billcheck/replaces.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <utility>
#include <map>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <functional>
#include <numeric>
#include <tuple>

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

/// Records by id: the place of the first record with each id.
template <class T>
class ById {
 public:
  using KeyOf = Text (*)(const T&);
  void build(const std::vector<T>& records, KeyOf key) {
    records_ = records.data();
    key_ = key;
    places_.reserve(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) {
      bool added = false;
      std::uint32_t& place = places_.emplace(key(records[i]), added, key_of());
      if (added) place = static_cast<std::uint32_t>(i);  // first one wins
    }
  }
  template <class K>
  const T* find(K key) const {
    const std::uint32_t* place = places_.find(key, key_of());
    return place ? records_ + *place : nullptr;
  }

 private:
  auto key_of() const {
    return [this](std::uint32_t place) { return key_(records_[place]); };
  }
  IdMap places_;
  const T* records_ = nullptr;
  KeyOf key_ = nullptr;
};


/// Records grouped by an id, each group in record order: one array of every
/// group's records, and each id's range of it. A vector per group cost an
/// allocation for each of a hundred thousand invoices, several times over.
template <class T>
class Grouped {
 public:
  /// Groups `records` by `key(record)`; records whose key is empty are left
  /// out unless `keep_empty` (then they are the group of "").
  template <class Records, class KeyOf>
  void build(const Records& records, KeyOf key, bool keep_empty) {
    std::vector<std::uint32_t> group_of;  // per record kept: its group's number
    group_of.reserve(records.size());
    for (const auto& r : records) {
      const auto k = key(r);
      if (k.empty() && !keep_empty) continue;
      bool added = false;
      std::uint32_t& group = index_.emplace(k, added, key_of());
      if (added) {
        group = static_cast<std::uint32_t>(ranges_.size());
        ranges_.push_back({k, 0, 0});
      }
      ++ranges_[group].size;
      group_of.push_back(group);
    }
    std::uint32_t at = 0;
    for (Range& range : ranges_) {
      range.begin = at;
      at += range.size;
      range.size = 0;
    }
    items_.resize(at);
    std::size_t i = 0;
    for (const auto& r : records) {
      if (key(r).empty() && !keep_empty) continue;
      Range& range = ranges_[group_of[i++]];
      items_[range.begin + range.size++] = &r;
    }
  }

  template <class K>
  bool contains(K key) const { return index_.find(key, key_of()) != nullptr; }

  template <class K>
  std::span<const T* const> find(K key) const {
    const std::uint32_t* group = index_.find(key, key_of());
    if (!group) return {};
    const Range& range = ranges_[*group];
    return {items_.data() + range.begin, range.size};
  }

  /// Sorts each group with `less` (stable: equal records keep record order).
  template <class Less>
  void sort_each(Less less) {
    for (const Range& range : ranges_) {
      auto begin = items_.begin() + range.begin;
      std::stable_sort(begin, begin + range.size, less);
    }
  }

 private:
  struct Range {
    Text key;
    std::uint32_t begin = 0, size = 0;  // in items_
  };
  auto key_of() const {
    return [this](std::uint32_t group) { return ranges_[group].key; };
  }
  IdMap index_;                 // id -> its group's number
  std::vector<Range> ranges_;   // by group number
  std::vector<const T*> items_;
};

/// Records grouped by the invoice they name: a range of one array for each
/// invoice (by its place; the first invoice of a number stands for all of them),
/// and a Grouped for the few that name none of the book's. Grouped by the text
/// of the id, the payments of a million-line book took a table of 4 MB beside
/// the invoices' own.
template <class T>
class ByInvoice {
 public:
  template <class KeyOf>
  void build(const std::vector<T>& records, const ById<Invoice>& invoices, const std::vector<Invoice>& all,
             KeyOf key) {
    invoices_ = &invoices;
    first_ = all.data();
    none_ = std::all_of(records.begin(), records.end(), [&](const T& r) { return key(r).empty(); });
    starts_.assign(all.size() + 1, 0);
    std::vector<std::uint32_t> place(records.size(), kNone);
    for (std::size_t i = 0; i < records.size(); ++i) {
      const Text id = key(records[i]);
      if (id.empty()) continue;
      if (const Invoice* invoice = invoices.find(id)) {
        place[i] = static_cast<std::uint32_t>(invoice - first_);
        ++starts_[place[i] + 1];
      }
    }
    for (std::size_t k = 1; k < starts_.size(); ++k) starts_[k] += starts_[k - 1];
    items_.resize(starts_.back());
    std::vector<std::uint32_t> at(starts_.begin(), starts_.end() - 1);
    for (std::size_t i = 0; i < records.size(); ++i)
      if (place[i] != kNone) items_[at[place[i]]++] = &records[i];
    // The rest (with an id the book has no invoice for) by that id.
    unknown_.build(records, [&](const T& r) { return place[&r - records.data()] == kNone ? key(r) : Text(); }, false);
  }

  template <class K>
  std::span<const T* const> find(K key) const {
    if (none_) return {};  // a book without credit notes: asked for each invoice by many rules
    const Invoice* invoice = invoices_ ? invoices_->find(key) : nullptr;
    if (!invoice) return unknown_.find(key);
    const auto k = static_cast<std::size_t>(invoice - first_);
    return {items_.data() + starts_[k], starts_[k + 1] - starts_[k]};
  }

  /// find(invoice.id) for `invoice` at its place among the book's invoices
  /// (found by its number when it is not one of them).
  std::span<const T* const> of(const Invoice& invoice) const {
    if (none_) return {};
    const std::less<const Invoice*> before;
    if (before(&invoice, first_) || !before(&invoice, first_ + (starts_.size() - 1))) return find(invoice.id);
    auto k = static_cast<std::size_t>(&invoice - first_);
    while (k > 0 && first_[k - 1].id == invoice.id) --k;  // the first invoice of a number stands for all
    return {items_.data() + starts_[k], starts_[k + 1] - starts_[k]};
  }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;
  bool none_ = true;  // no record names an invoice
  const ById<Invoice>* invoices_ = nullptr;
  const Invoice* first_ = nullptr;
  std::vector<std::uint32_t> starts_;  // by invoice place: where its records start in items_
  std::vector<const T*> items_;
  Grouped<T> unknown_;
};

template <class T, class K>
std::span<const T* const> group(const Grouped<T>& g, K key) {
  return g.find(key);
}

template <class T, class K>
const T* lookup(const ById<T>& m, K key) {
  return m.find(key);
}

template <class T, class KeyOf>
ById<T> index_by_id(const std::vector<T>& records, KeyOf key) {
  ById<T> m;
  m.build(records, key);
  return m;
}

// The canonical order of each entity's records (see Book): by id, then by the
// fields that tell two records with one id apart, so that nothing a rule sees
// depends on the order of the rows. Records equal in all of these keep file order.
bool canonical_less(const Client& a, const Client& b) {
  return std::tie(a.id, a.name, a.currency, a.billing_entity) < std::tie(b.id, b.name, b.currency, b.billing_entity);
}
bool canonical_less(const Timekeeper& a, const Timekeeper& b) {
  return std::tie(a.id, a.role, a.name, a.active_from, a.active_to) <
         std::tie(b.id, b.role, b.name, b.active_from, b.active_to);
}
bool canonical_less(const Engagement& a, const Engagement& b) {
  return std::tie(a.id, a.client_id, a.name, a.start_date) < std::tie(b.id, b.client_id, b.name, b.start_date);
}
/// Rows for a timekeeper (which name no role) come before rows for a role.
bool canonical_less(const Rate& a, const Rate& b) {
  return std::tie(a.engagement_id, a.role, a.timekeeper_id, a.effective_from, a.effective_to, a.rate) <
         std::tie(b.engagement_id, b.role, b.timekeeper_id, b.effective_from, b.effective_to, b.rate);
}
bool canonical_less(const TimeEntry& a, const TimeEntry& b) {
  return std::tie(a.id, a.engagement_id, a.timekeeper_id, a.date, a.hours, a.description) <
         std::tie(b.id, b.engagement_id, b.timekeeper_id, b.date, b.hours, b.description);
}
bool canonical_less(const Invoice& a, const Invoice& b) {
  return std::tie(a.id, a.issue_date, a.client_id, a.engagement_id, a.total, a.status, a.currency) <
         std::tie(b.id, b.issue_date, b.client_id, b.engagement_id, b.total, b.status, b.currency);
}
/// Within one invoice.
bool canonical_less(const InvoiceLine& a, const InvoiceLine& b) {
  return std::tie(a.line_no, a.type, a.date, a.timekeeper_id, a.entry_id, a.quantity, a.rate, a.amount,
                  a.description) < std::tie(b.line_no, b.type, b.date, b.timekeeper_id, b.entry_id, b.quantity,
                                            b.rate, b.amount, b.description);
}
bool canonical_less(const Payment& a, const Payment& b) {
  return std::tie(a.id, a.client_id, a.invoice_id, a.date, a.amount, a.currency, a.reference) <
         std::tie(b.id, b.client_id, b.invoice_id, b.date, b.amount, b.currency, b.reference);
}
bool canonical_less(const CreditNote& a, const CreditNote& b) {
  return std::tie(a.id, a.client_id, a.invoice_id, a.date, a.amount, a.reason, a.approved_by) <
         std::tie(b.id, b.client_id, b.invoice_id, b.date, b.amount, b.reason, b.approved_by);
}

/// Puts the record at `order[k]` at k, for every k, moving each record once and
/// in place, one cycle of the permutation at a time; `order` is used up. A
/// sorted copy held two of the book's largest table at once.
template <class T>
void permute(std::vector<T>& records, std::vector<std::uint32_t>& order) {
  for (std::uint32_t i = 0; i < order.size(); ++i) {
    if (order[i] == i) continue;
    T held = std::move(records[i]);
    std::uint32_t j = i;
    while (order[j] != i) {
      const std::uint32_t from = order[j];
      records[j] = std::move(records[from]);
      order[j] = j;
      j = from;
    }
    records[j] = std::move(held);
    order[j] = j;
  }
}

/// At most this many stretches already in order are merged, not sorted.
constexpr std::size_t kMergedRuns = 256;

/// Sorts positions, then moves each record once: a stable_sort of the records
/// themselves moved each about log2(n) times. Records that come in a few
/// stretches each in order (numbers that grew a digit: INV-999999, then
/// INV-1000000; P-99, then P-100) have their stretches merged: sorting the
/// positions of a 10M-line book's 1.25M invoices compared them 20 times each,
/// at random places, where merging two stretches compares them once, in order.
template <class T>
void sort_canonically(std::vector<T>& records) {
  auto less = [](const T& a, const T& b) { return canonical_less(a, b); };
  const std::size_t n = records.size();
  std::vector<std::size_t> starts{0};  // of the stretches in order
  for (std::size_t i = 1; i < n && starts.size() <= kMergedRuns; ++i)
    if (less(records[i], records[i - 1])) starts.push_back(i);
  if (starts.size() == 1) return;
  std::vector<std::uint32_t> order(n);
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const auto by_record = [&](std::uint32_t a, std::uint32_t b) { return less(records[a], records[b]); };
  if (starts.size() > kMergedRuns) {
    std::stable_sort(order.begin(), order.end(), by_record);
  } else {
    // Pairwise, until one is left; std::merge takes the first stretch's record of two equal ones.
    std::vector<std::uint32_t> merged_order(n);
    const auto at = [](std::vector<std::uint32_t>& v, std::size_t i) { return v.begin() + static_cast<std::ptrdiff_t>(i); };
    while (starts.size() > 1) {
      std::vector<std::size_t> merged;
      for (std::size_t k = 0; k < starts.size(); k += 2) {
        merged.push_back(starts[k]);
        const std::size_t mid = k + 1 < starts.size() ? starts[k + 1] : n;
        const std::size_t end = k + 2 < starts.size() ? starts[k + 2] : n;
        std::merge(at(order, starts[k]), at(order, mid), at(order, mid), at(order, end), at(merged_order, starts[k]),
                   by_record);
      }
      order.swap(merged_order);
      starts = std::move(merged);
    }
  }
  permute(records, order);
}

bool by_date(const Invoice* a, const Invoice* b) { return a->issue_date < b->issue_date; }

/// How many stretches in invoice order the lines may come in to be merged
/// rather than permuted.
constexpr std::size_t kMergedStretches = 8;

/// Merges the sorted (by `owner`, each owner's lines together) [lo, mid) and
/// [mid, hi) of `lines` in place, `owner` alike, with a buffer of `room` lines.
/// The lines of the first that come after all of the second, and those of the
/// second that come before all of the first, are rotated into place at once.
/// When what is left of the first then fits in the buffer, it is merged with
/// the second's from the front, in one pass (a 10M-line book whose invoice
/// numbers grow a digit, INV-999999 then INV-1000000, has two stretches: the
/// second's 2.8M lines go among the first's first 280k, and the first's other
/// 6.9M after them all; 0.59 -> 0.41 s). Else the last lines of the second go
/// to the buffer, the lines of the first that come after all the second's
/// others are rotated past them, and the two are merged from the end backward,
/// a buffer at a time. Every line moves a few times, in order: a permutation of
/// a 10M-line book moved each once but missed the cache on each (2.7 s of 3.7 s
/// of the Book's time).
void merge_runs(std::vector<InvoiceLine>& lines, std::vector<std::uint32_t>& owner, std::size_t lo, std::size_t mid,
                std::size_t hi, std::size_t room) {
  const auto at = [](auto& v, std::size_t i) { return v.begin() + static_cast<std::ptrdiff_t>(i); };
  const auto rotate = [&](std::size_t first, std::size_t middle, std::size_t last) {
    std::rotate(at(lines, first), at(lines, middle), at(lines, last));
    std::rotate(at(owner, first), at(owner, middle), at(owner, last));
  };
  if (lo < mid && mid < hi) {  // the first's lines after the second's last: to the end
    const std::size_t tail =
        static_cast<std::size_t>(std::upper_bound(at(owner, lo), at(owner, mid), owner[hi - 1]) - owner.begin());
    if (tail < mid) {
      rotate(tail, mid, hi);
      hi = tail + (hi - mid);
      mid = tail;
    }
  }
  if (lo < mid && mid < hi) {  // the second's lines before the first's first: to the front
    const std::size_t head =
        static_cast<std::size_t>(std::lower_bound(at(owner, mid), at(owner, hi), owner[lo]) - owner.begin());
    if (head > mid) {
      rotate(lo, mid, head);
      lo += head - mid;
      mid = head;
    }
  }
  std::vector<InvoiceLine> buffer;
  std::vector<std::uint32_t> buffer_owner;
  if (lo < mid && mid < hi && mid - lo <= room) {
    buffer.assign(std::make_move_iterator(at(lines, lo)), std::make_move_iterator(at(lines, mid)));
    buffer_owner.assign(at(owner, lo), at(owner, mid));
    // Into [lo, hi) from the front: the place written is before the second's
    // next line until the buffer is spent (no line is moved onto itself).
    std::size_t out = lo, i = 0, j = mid;
    while (i < buffer.size()) {
      if (j < hi && owner[j] < buffer_owner[i]) {
        lines[out] = std::move(lines[j]);
        owner[out++] = owner[j++];
      } else {
        lines[out] = std::move(buffer[i]);
        owner[out++] = buffer_owner[i++];
      }
    }
    return;
  }
  while (lo < mid && mid < hi) {
    const std::size_t c = std::min(room, hi - mid);
    const std::size_t rest = hi - c;  // the second's lines left in place: [mid, rest)
    buffer.assign(std::make_move_iterator(at(lines, rest)), std::make_move_iterator(at(lines, hi)));
    buffer_owner.assign(at(owner, rest), at(owner, hi));
    // The first's lines after every one left in place: [mid - t, mid).
    const auto first = at(owner, lo), middle = at(owner, mid);
    const std::size_t t =
        rest == mid ? mid - lo : static_cast<std::size_t>(middle - std::upper_bound(first, middle, owner[rest - 1]));
    // [mid - t, mid) past [mid, rest): the first's tail then sits before the free room.
    rotate(mid - t, mid, rest);
    // Merge the tail [rest - t, rest) with the buffer into [rest - t, hi), from the end.
    std::size_t out = hi, i = rest, j = c;
    while (j > 0) {
      if (i > rest - t && owner[i - 1] > buffer_owner[j - 1]) {
        --i;
        lines[--out] = std::move(lines[i]);
        owner[out] = owner[i];
      } else {
        --j;
        lines[--out] = std::move(buffer[j]);
        owner[out] = buffer_owner[j];
      }
    }
    // Left: the first's head [lo, mid - t) and the second's rest, now [mid - t, rest - t).
    hi = rest - t;
    mid -= t;
  }
}

/// Merges the consecutive stretches (each sorted by `owner`) starting at
/// `starts` (the first at 0), pairwise, until one is left.
void merge_stretches(std::vector<InvoiceLine>& lines, std::vector<std::uint32_t>& owner, std::vector<std::size_t> starts) {
  const std::size_t n = lines.size();
  const std::size_t room = std::max<std::size_t>(4096, n / 32);  // 120 bytes a line: 3.75 bytes a line of the book
  while (starts.size() > 1) {
    std::vector<std::size_t> merged;
    for (std::size_t k = 0; k < starts.size(); k += 2) {
      merged.push_back(starts[k]);
      if (k + 1 == starts.size()) break;
      const std::size_t end = k + 2 < starts.size() ? starts[k + 2] : n;
      merge_runs(lines, owner, starts[k], starts[k + 1], end, room);
    }
    starts = std::move(merged);
  }
}

/// Orders `lines` by their invoices (`owner`: each line's invoice place, ordered
/// with them), then canonically within each invoice, as a stable sort would.
/// Files usually list an invoice's lines together and in order, if not their
/// invoices in the book's order: then the runs of lines are ordered by
/// invoice, not every line (a sort of 10M positions took seconds).
void order_lines(std::vector<InvoiceLine>& lines, std::vector<std::uint32_t>& owner, std::size_t invoices) {
  const std::size_t n = lines.size();
  struct Run {
    std::uint32_t owner, begin, end;
  };
  std::vector<Run> runs;
  {
    std::vector<bool> has_run(invoices, false);
    for (std::size_t i = 0; i < n;) {
      std::size_t j = i + 1;
      while (j < n && owner[j] == owner[i] && !canonical_less(lines[j], lines[j - 1])) ++j;
      if (has_run[owner[i]]) {  // an invoice's lines apart, or out of order: every line is sorted
        runs.clear();
        break;
      }
      has_run[owner[i]] = true;
      runs.push_back({owner[i], static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)});
      i = j;
    }
  }
  auto by_owner = [](const Run& a, const Run& b) { return a.owner < b.owner; };
  if (!runs.empty() || n == 0) {
    if (std::is_sorted(runs.begin(), runs.end(), by_owner)) return;
    // A few stretches each in invoice order (the numbers grew a digit: INV-999999,
    // then INV-1000000): merged, moving lines in order, not one at a time at random.
    std::vector<std::size_t> stretches{0};  // where each starts, in lines
    for (std::size_t r = 1; r < runs.size() && stretches.size() <= kMergedStretches; ++r)
      if (runs[r].owner < runs[r - 1].owner) stretches.push_back(runs[r].begin);
    if (stretches.size() <= kMergedStretches) {
      std::vector<Run>().swap(runs);
      merge_stretches(lines, owner, std::move(stretches));
      return;
    }
  }
  std::vector<std::uint32_t> order(n);
  if (!runs.empty()) {
    std::sort(runs.begin(), runs.end(), by_owner);  // one run an invoice: no two are equal
    std::size_t at = 0;
    for (const Run& run : runs) {
      for (std::uint32_t i = run.begin; i < run.end; ++i) {
        owner[at] = run.owner;
        order[at++] = i;
      }
    }
  } else {
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
      if (owner[a] != owner[b]) return owner[a] < owner[b];
      return canonical_less(lines[a], lines[b]);
    });
    std::vector<std::uint32_t> sorted_owner;
    sorted_owner.reserve(n);
    for (auto i : order) sorted_owner.push_back(owner[i]);
    owner = std::move(sorted_owner);
  }
  permute(lines, order);
}

}  // namespace

BookError::BookError(std::vector<std::string> messages)
    : Error(join_lines(messages)), messages_(std::move(messages)) {}

std::uint32_t BookData::file_number(std::string_view name) {
  for (std::size_t i = 0; i < files.size(); ++i)
    if (files[i] == name) return static_cast<std::uint32_t>(i + 1);
  files.push_back(text.add(name));
  return static_cast<std::uint32_t>(files.size());
}

namespace {
/// Every Book's Index gets a number never given again, so that a thread's
/// record of the derived indexes it looked up (RecentDerived) cannot mistake
/// a later Book at the same address for an earlier one.
std::atomic<std::uint64_t> next_index_number{1};
}  // namespace

struct Book::Index {
  const std::uint64_t number = next_index_number.fetch_add(1, std::memory_order_relaxed);
  ById<Client> clients;
  ById<Timekeeper> timekeepers;
  ById<Engagement> engagements;
  ById<Invoice> invoices;
  ById<TimeEntry> time_entries;
  ById<Payment> payments;
  std::vector<const Invoice*> invoice_order;  // every invoice, in order: invoices_numbered is a run of it
  Grouped<Invoice> invoices_of_client, invoices_of_engagement;
  Grouped<Rate> rates_of_engagement;
  std::unordered_map<TimekeeperDay, std::vector<const TimeEntry*>, TimekeeperDayHash> entries_on;
  ByInvoice<Payment> payments_of_invoice;
  Grouped<Payment> payments_of_client;
  ByInvoice<CreditNote> notes_of_invoice;
  Grouped<CreditNote> notes_of_client;
  /// One derived index: built once, by the first thread to ask; others asking
  /// for it wait for that thread, while indexes under other keys build beside it.
  struct Derived {
    std::mutex mutex;
    std::condition_variable built;
    std::shared_ptr<const void> value;
    bool building = false;
    std::thread::id builder;
  };
  std::mutex derived_mutex;  // guards the map, never held while an index builds
  std::map<std::string, std::unique_ptr<Derived>, std::less<>> derived;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> invoice_lines;  // per invoice: [begin, end)
  /// Per kBlockLines lines: the invoice (its place) of the first. A line's
  /// invoice is found from its block's, past the invoices whose lines end
  /// before it (the lines are in invoice order, an invoice's together). A
  /// quarter byte a line: the invoice of every line took 4 bytes, 40 MB of a
  /// 10M-line book.
  static constexpr unsigned kBlockShift = 4;
  std::vector<std::uint32_t> block_invoice;
  /// Per line: its timekeeper's place + 1, 0 for none known. Two bytes a line: a
  /// book of 65,535 timekeepers or more has none, and its lines look theirs up.
  std::vector<std::uint16_t> line_timekeeper;
  /// Per line: its agreed rate as agreed_rate(line) found it, once some rule
  /// asked (two rules ask for every fee line): 0 not yet asked, 1 none, else
  /// the rate's place + 2. Atomic, as checks of one book may run at once on
  /// several threads (each writes what the others would). Empty for a book of
  /// 65,534 rates or more, whose lines look theirs up each time.
  std::unique_ptr<std::atomic<std::uint16_t>[]> line_rate;
};

namespace {
/// A book with fewer lines is indexed on one thread: a thread costs more than it saves.
constexpr std::size_t kLinesForTwoThreads = 65536;
/// A book's lines looked up again after they were ordered are looked up in
/// two halves side by side from this many lines.
constexpr std::size_t kLinesForTwoPasses = std::size_t{1} << 20;
}  // namespace

Book::Book(BookData data) : d_(std::move(data)), ix_(std::make_unique<Index>()) {
  Index& ix = *ix_;
  d_.text.seal();  // a Book adds no text: its table of stored texts is not needed
  // What the lines need first: their invoices' and timekeepers' ids.
  sort_canonically(d_.timekeepers);
  sort_canonically(d_.invoices);
  ix.timekeepers = index_by_id(d_.timekeepers, [](const Timekeeper& r) -> Text { return r.id; });
  ix.invoices = index_by_id(d_.invoices, [](const Invoice& r) -> Text { return r.id; });

  // The lines, grouped under their invoices, on a thread of their own for a
  // large book, while this one orders and indexes every other record.
  std::vector<std::string> errors;
  std::exception_ptr lines_failed;
  auto index_lines = [&] {
    try {
      // Group lines by invoice, in canonical order (line_no first) within each invoice.
      // One pass over the lines finds each one's invoice and timekeeper, and
      // whether they are in that order already (as files usually list them):
      // each pass over a large book's lines waits on memory (three passes took
      // 13, 10 and 17 ms of a 1M-line book's 45 ms here, on one thread).
      std::vector<std::uint32_t> owner(d_.lines.size());
      // Rules ask for a line's timekeeper several times each: look it up once here.
      const bool by_timekeeper = d_.timekeepers.size() < 0xffff;
      if (by_timekeeper) ix.line_timekeeper.assign(d_.lines.size(), 0);
      // (`from`: where the caller's stretch of lines began; the first of it is looked up.)
      const auto timekeeper_at = [&](std::size_t i, std::size_t from = 0) {
        const Text id = d_.lines[i].timekeeper_id;
        if (id.empty()) return;
        if (i > from && id == d_.lines[i - 1].timekeeper_id) {
          ix.line_timekeeper[i] = ix.line_timekeeper[i - 1];
        } else if (const Timekeeper* tk = lookup(ix.timekeepers, id)) {
          ix.line_timekeeper[i] = static_cast<std::uint16_t>(tk - d_.timekeepers.data() + 1);
        }
      };
      bool in_order = true;  // each line after the one before in its invoice, or the first of a later invoice
      const Invoice* inv = nullptr;
      const Invoice* const invoices_end = d_.invoices.data() + d_.invoices.size();
      for (std::size_t i = 0; i < d_.lines.size(); ++i) {
        const InvoiceLine& line = d_.lines[i];
        // An invoice's lines are usually together, and the invoices in the order
        // of their numbers: the invoice after the last one is tried before the
        // index (a lookup at a random place of it, which waits on memory in a
        // large book). It is the one the index gives: the first of its number.
        if (!inv || i == 0 || line.invoice_id != d_.lines[i - 1].invoice_id) {
          const Invoice* next = inv && inv + 1 < invoices_end ? inv + 1 : nullptr;
          inv = next && next->id == line.invoice_id ? next : lookup(ix.invoices, line.invoice_id);
        }
        if (!inv) {
          const std::string invoices_file =
              d_.invoices.empty() ? std::string("the invoices") : std::string(d_.file_of(d_.invoices.front().source));
          errors.push_back(std::string(d_.file_of(line.source)) + ":" + std::to_string(line.source.line) +
                           ": column 'invoice_id': no invoice '" + line.invoice_id + "' in " + invoices_file +
                           "; add the invoice or correct the line's invoice_id");
          continue;
        }
        owner[i] = static_cast<std::uint32_t>(inv - d_.invoices.data());
        if (in_order && i > 0)
          in_order = owner[i] == owner[i - 1] ? !canonical_less(line, d_.lines[i - 1]) : owner[i] > owner[i - 1];
        if (by_timekeeper && in_order) timekeeper_at(i);  // (else looked up once the lines are in order)
      }
      if (!errors.empty()) return;

      if (!in_order) {
        order_lines(d_.lines, owner, d_.invoices.size());
        if (by_timekeeper) {  // looked up again, in the lines' new order
          // The lines' halves side by side on a large book: this thread is the
          // last one working then (a 10M-line book's other records were done
          // while its lines were merged), and the pass waits on memory.
          const std::size_t n = d_.lines.size(), half = n >= kLinesForTwoPasses ? n / 2 : n;
          ix.line_timekeeper.assign(n, 0);
          std::jthread second;
          if (half < n) second = std::jthread([&] { for (std::size_t i = half; i < n; ++i) timekeeper_at(i, half); });
          for (std::size_t i = 0; i < half; ++i) timekeeper_at(i);
        }
      }
      ix.invoice_lines.assign(d_.invoices.size(), {0, 0});
      for (std::size_t i = 0; i < owner.size();) {
        std::size_t j = i;
        while (j < owner.size() && owner[j] == owner[i]) ++j;
        ix.invoice_lines[owner[i]] = {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j)};
        i = j;
      }
      ix.block_invoice.reserve((owner.size() >> Index::kBlockShift) + 1);
      for (std::size_t i = 0; i < owner.size(); i += std::size_t{1} << Index::kBlockShift)
        ix.block_invoice.push_back(owner[i]);
    } catch (...) {
      lines_failed = std::current_exception();
    }
  };
  {
    std::jthread lines_thread;
    if (d_.lines.size() >= kLinesForTwoThreads)
      lines_thread = std::jthread(index_lines);
    else
      index_lines();
    sort_canonically(d_.clients);
    sort_canonically(d_.engagements);
    sort_canonically(d_.rates);
    sort_canonically(d_.time_entries);
    sort_canonically(d_.payments);
    sort_canonically(d_.credit_notes);
    ix.clients = index_by_id(d_.clients, [](const Client& r) -> Text { return r.id; });
    ix.engagements = index_by_id(d_.engagements, [](const Engagement& r) -> Text { return r.id; });
    ix.time_entries = index_by_id(d_.time_entries, [](const TimeEntry& r) -> Text { return r.id; });
    ix.payments = index_by_id(d_.payments, [](const Payment& r) -> Text { return r.id; });

    ix.invoice_order.reserve(d_.invoices.size());
    for (const Invoice& invoice : d_.invoices) ix.invoice_order.push_back(&invoice);
    ix.invoices_of_client.build(d_.invoices, [](const Invoice& r) -> Text { return r.client_id; }, true);
    ix.invoices_of_engagement.build(d_.invoices, [](const Invoice& r) -> Text { return r.engagement_id; }, false);
    ix.invoices_of_client.sort_each(by_date);
    ix.invoices_of_engagement.sort_each(by_date);
    ix.rates_of_engagement.build(d_.rates, [](const Rate& r) -> Text { return r.engagement_id; }, true);
    for (const auto& e : d_.time_entries)
      ix.entries_on[{e.timekeeper_id, e.date.sys_days().time_since_epoch().count()}].push_back(&e);
    ix.payments_of_invoice.build(d_.payments, ix.invoices, d_.invoices, [](const Payment& r) -> Text { return r.invoice_id; });
    ix.payments_of_client.build(d_.payments, [](const Payment& r) -> Text { return r.client_id; }, true);
    ix.notes_of_invoice.build(d_.credit_notes, ix.invoices, d_.invoices, [](const CreditNote& r) -> Text { return r.invoice_id; });
    ix.notes_of_client.build(d_.credit_notes, [](const CreditNote& r) -> Text { return r.client_id; }, true);
  }
  if (lines_failed) std::rethrow_exception(lines_failed);
  if (!errors.empty()) throw BookError(std::move(errors));
  if (!d_.lines.empty() && d_.rates.size() < 0xfffe)
    ix.line_rate = std::make_unique<std::atomic<std::uint16_t>[]>(d_.lines.size());
}

Book::Book(Book&&) noexcept = default;
Book& Book::operator=(Book&&) noexcept = default;
Book::~Book() = default;

const Client* Book::client(std::string_view id) const { return lookup(ix_->clients, id); }
const Client* Book::client(Text id) const { return lookup(ix_->clients, id); }
const Timekeeper* Book::timekeeper(std::string_view id) const { return lookup(ix_->timekeepers, id); }
const Timekeeper* Book::timekeeper(Text id) const { return lookup(ix_->timekeepers, id); }
const Engagement* Book::engagement(std::string_view id) const { return lookup(ix_->engagements, id); }
const Engagement* Book::engagement(Text id) const { return lookup(ix_->engagements, id); }
const Invoice* Book::invoice(std::string_view id) const { return lookup(ix_->invoices, id); }
const Invoice* Book::invoice(Text id) const { return lookup(ix_->invoices, id); }
const TimeEntry* Book::time_entry(std::string_view id) const { return lookup(ix_->time_entries, id); }
const TimeEntry* Book::time_entry(Text id) const { return lookup(ix_->time_entries, id); }
const Payment* Book::payment(std::string_view id) const { return lookup(ix_->payments, id); }
const Payment* Book::payment(Text id) const { return lookup(ix_->payments, id); }

namespace {
/// The run of invoices that share the number of `first` (they are in order by number).
std::span<const Invoice* const> numbered(const std::vector<Invoice>& invoices, const std::vector<const Invoice*>& order,
                                         const Invoice* first) {
  if (!first) return {};
  const auto begin = static_cast<std::size_t>(first - invoices.data());
  std::size_t end = begin + 1;
  while (end < invoices.size() && invoices[end].id == first->id) ++end;
  return {order.data() + begin, end - begin};
}
}  // namespace

std::span<const Invoice* const> Book::invoices_numbered(std::string_view id) const {
  return numbered(d_.invoices, ix_->invoice_order, invoice(id));
}
std::span<const Invoice* const> Book::invoices_numbered(Text id) const {
  return numbered(d_.invoices, ix_->invoice_order, invoice(id));
}
std::span<const Invoice* const> Book::invoices_of_client(std::string_view id) const {
  return group(ix_->invoices_of_client, id);
}
std::span<const Invoice* const> Book::invoices_of_client(Text id) const {
  return group(ix_->invoices_of_client, id);
}
std::span<const Invoice* const> Book::invoices_of_engagement(std::string_view id) const {
  return group(ix_->invoices_of_engagement, id);
}
std::span<const Invoice* const> Book::invoices_of_engagement(Text id) const {
  return group(ix_->invoices_of_engagement, id);
}

std::span<const InvoiceLine> Book::lines_of(const Invoice& invoice) const {
  auto [begin, end] = ix_->invoice_lines[static_cast<std::size_t>(&invoice - d_.invoices.data())];
  return std::span<const InvoiceLine>(d_.lines).subspan(begin, end - begin);
}

const Invoice& Book::invoice_of(const InvoiceLine& line) const {
  const auto i = static_cast<std::uint32_t>(&line - d_.lines.data());
  std::uint32_t k = ix_->block_invoice[i >> Index::kBlockShift];
  while (ix_->invoice_lines[k].second <= i) ++k;  // an invoice of no lines has {0, 0}: passed
  return d_.invoices[k];
}

namespace {

/// The rate of an engagement's card for a timekeeper (or else their role) on
/// `date`. With Text ids (a line's) the card is found by the hash the id
/// carries, and equal ids stored once compare by address.
template <class Id>
const Rate* find_agreed_rate(const Grouped<Rate>& cards, Id engagement_id, Id timekeeper_id, Id role, Date date) {
  const Rate* by_role = nullptr;
  for (const Rate* r : group(cards, engagement_id)) {
    if (!r->effective_on(date)) continue;
    if (!r->timekeeper_id.empty()) {
      if (r->timekeeper_id == timekeeper_id) return r;
    } else if (!by_role && !role.empty() && r->role == role) {
      by_role = r;
    }
  }
  return by_role;
}

}  // namespace

const Rate* Book::agreed_rate(std::string_view engagement_id, std::string_view timekeeper_id, std::string_view role,
                              Date date) const {
  return find_agreed_rate(ix_->rates_of_engagement, engagement_id, timekeeper_id, role, date);
}

const Timekeeper* Book::timekeeper_of(const InvoiceLine& line) const {
  if (ix_->line_timekeeper.empty()) return line.timekeeper_id.empty() ? nullptr : lookup(ix_->timekeepers, line.timekeeper_id);
  const std::uint16_t place = ix_->line_timekeeper[static_cast<std::size_t>(&line - d_.lines.data())];
  return place == 0 ? nullptr : &d_.timekeepers[place - 1u];
}

const Rate* Book::agreed_rate(const InvoiceLine& line) const {
  std::atomic<std::uint16_t>* const known =
      ix_->line_rate ? &ix_->line_rate[static_cast<std::size_t>(&line - d_.lines.data())] : nullptr;
  if (known) {
    if (const std::uint16_t place = known->load(std::memory_order_relaxed)) return place == 1 ? nullptr : &d_.rates[place - 2u];
  }
  const Invoice& inv = invoice_of(line);
  const Timekeeper* tk = timekeeper_of(line);
  // An undated line is priced when it was first billed: a replacement keeps the rate of the invoice it replaces.
  const Rate* rate = find_agreed_rate(ix_->rates_of_engagement, inv.engagement_id, line.timekeeper_id,
                                      tk ? tk->role : Text(), line.date ? *line.date : first_billed(*this, inv));
  if (known) known->store(rate ? static_cast<std::uint16_t>(rate - d_.rates.data() + 2) : 1, std::memory_order_relaxed);
  return rate;
}

// One lock over every index held while one built serialised them: the first
// check_invoice of a book builds each book-wide rule's result as a derived
// index, and two threads built them one after the other.
namespace {
/// The derived indexes this thread looked up last, by Book (its Index's
/// number) and key. A rule that asks for one per invoice (duplicates.line)
/// then finds it without taking two locks and searching the map by name.
/// Trivially destructible (the key is a view of the key in the Book's map,
/// read only while that Book is the one asking): a thread-local with a
/// destructor is gone when exit() runs the atexit handlers, and a host may
/// still check a book from one (the C API's docs/hosting.md).
struct RecentDerived {
  std::uint64_t book = 0;
  std::string_view key;
  const void* value = nullptr;
};
thread_local std::array<RecentDerived, 4> recent_derived;
thread_local std::size_t recent_derived_next = 0;

const void* remember_derived(std::uint64_t book, std::string_view key, const void* value) {
  recent_derived[recent_derived_next++ % recent_derived.size()] = {book, key, value};
  return value;
}
}  // namespace

const void* Book::derived_value(std::string_view key,
                                const std::function<std::shared_ptr<const void>()>& make) const {
  for (const RecentDerived& r : recent_derived)
    if (r.book == ix_->number && r.key == key) return r.value;
  Index::Derived* d = nullptr;
  std::string_view kept_key;  // the map's own copy: its node stays while the Book does
  {
    std::lock_guard lock(ix_->derived_mutex);
    auto it = ix_->derived.find(key);
    if (it == ix_->derived.end()) it = ix_->derived.emplace(std::string(key), std::make_unique<Index::Derived>()).first;
    d = it->second.get();
    kept_key = it->first;
  }
  std::unique_lock lock(d->mutex);
  for (;;) {
    if (d->value) return remember_derived(ix_->number, kept_key, d->value.get());
    if (!d->building) break;
    if (d->builder == std::this_thread::get_id())
      throw std::logic_error("the derived index '" + std::string(key) + "' is needed to build itself");
    d->built.wait(lock);
  }
  d->building = true;
  d->builder = std::this_thread::get_id();
  lock.unlock();
  std::shared_ptr<const void> value;
  try {
    value = make();
  } catch (...) {
    lock.lock();
    d->building = false;  // the next to ask tries again
    d->built.notify_all();
    throw;
  }
  lock.lock();
  d->value = std::move(value);
  d->building = false;
  d->built.notify_all();
  return remember_derived(ix_->number, kept_key, d->value.get());
}

bool Book::has_rate_card(std::string_view engagement_id) const {
  return ix_->rates_of_engagement.contains(engagement_id);
}
bool Book::has_rate_card(Text engagement_id) const {
  return ix_->rates_of_engagement.contains(engagement_id);
}

std::span<const TimeEntry* const> Book::time_entries_on(std::string_view timekeeper_id, Date date) const {
  auto it = ix_->entries_on.find({timekeeper_id, date.sys_days().time_since_epoch().count()});
  if (it == ix_->entries_on.end()) return {};
  return it->second;
}

std::span<const Payment* const> Book::payments_of_invoice(std::string_view id) const {
  return ix_->payments_of_invoice.find(id);
}
std::span<const Payment* const> Book::payments_of_invoice(Text id) const {
  return ix_->payments_of_invoice.find(id);
}
std::span<const Payment* const> Book::payments_of_client(std::string_view id) const {
  return group(ix_->payments_of_client, id);
}
std::span<const Payment* const> Book::payments_of_client(Text id) const {
  return group(ix_->payments_of_client, id);
}
std::span<const CreditNote* const> Book::credit_notes_of_invoice(std::string_view id) const {
  return ix_->notes_of_invoice.find(id);
}
std::span<const CreditNote* const> Book::credit_notes_of_invoice(Text id) const {
  return ix_->notes_of_invoice.find(id);
}
std::span<const Payment* const> Book::payments_of(const Invoice& invoice) const {
  return ix_->payments_of_invoice.of(invoice);
}
std::span<const CreditNote* const> Book::credit_notes_of(const Invoice& invoice) const {
  return ix_->notes_of_invoice.of(invoice);
}
std::span<const CreditNote* const> Book::credit_notes_of_client(std::string_view id) const {
  return group(ix_->notes_of_client, id);
}
std::span<const CreditNote* const> Book::credit_notes_of_client(Text id) const {
  return group(ix_->notes_of_client, id);
}

}  // namespace billcheck
