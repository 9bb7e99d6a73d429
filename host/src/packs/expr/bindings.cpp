#include "packs/expr/bindings.hpp"

#include "schema/schema.hpp"

#include <algorithm>
#include <array>
#include <type_traits>

namespace billcheck::expr {
namespace {

Value to_value(Text v) { return Value::text(v); }
Value to_value(Decimal v) { return Value::decimal(v); }
Value to_value(Date v) { return Value::date(v); }
Value to_value(std::int64_t v) { return Value::decimal(Decimal::from_int(v)); }
Value to_value(std::int32_t v) { return Value::decimal(Decimal::from_int(v)); }
Value to_value(bool v) { return Value::boolean(v); }
template <class T>
Value to_value(const std::optional<T>& v) {
  return v ? to_value(*v) : Value::absent();
}
template <class T>
Value to_value(const Optional<T>& v) {
  return v ? to_value(*v) : Value::absent();
}

template <class V>
constexpr Type type_of(bool money) {
  if constexpr (std::is_same_v<V, Text>)
    return Type::string();
  else if constexpr (std::is_same_v<V, Decimal>)
    return Type::decimal(money);
  else if constexpr (std::is_same_v<V, Date>)
    return Type::date();
  else if constexpr (std::is_same_v<V, std::int64_t> || std::is_same_v<V, std::int32_t>)
    return Type::decimal();
  else if constexpr (std::is_same_v<V, bool>)
    return Type::boolean();
  else
    static_assert(sizeof(V) == 0, "no expression type for this member type");
}

template <auto M>
Value get_member(const void* p, const Book&) {
  using R = typename schema::member_traits<decltype(M)>::record;
  return to_value(static_cast<const R*>(p)->*M);
}

/// A column of the schema, read straight from its member.
template <auto M>
constexpr Field column(const schema::Column<M>& c) {
  return Field{c.field(), type_of<typename schema::Column<M>::value_type>(c.is_money), &get_member<M>, c.doc, true};
}

template <class T>
Value get_extra(const void* p, const Book&) {
  return Value::record(Rec::extra, &static_cast<const T*>(p)->extra);
}

/// The fields of a `T`: its columns from the schema, in order, then `extra` (its
/// other columns, read as `line.extra.NAME`), then the links and lists in `links`.
template <class T, std::size_t N>
constexpr auto record_fields(std::string_view extra_doc, const std::array<Field, N>& links) {
  const auto& columns = schema::columns_of<T>();
  constexpr std::size_t kColumns = std::tuple_size_v<std::remove_cvref_t<decltype(schema::columns_of<T>())>>;
  std::array<Field, kColumns + 1 + N> out{};
  std::size_t i = 0;
  schema::for_each_column(columns, [&](const auto& c) { out[i++] = column(c); });
  out[i++] = Field{"extra", Type::record(Rec::extra), &get_extra<T>, extra_doc};
  for (const Field& f : links) out[i++] = f;
  return out;
}

template <class T>
constexpr auto record_fields(std::string_view extra_doc) {
  return record_fields<T>(extra_doc, std::array<Field, 0>{});
}

template <class T>
const T& rec(const void* p) {
  return *static_cast<const T*>(p);
}

template <class T>
Value records(Rec r, std::span<const T* const> s) {
  return Value::list(ListSrc::records, r, s.data(), s.size());
}

constexpr Type kMoney = Type::decimal(true);

constexpr auto kLine = record_fields<InvoiceLine>("the line's extra columns: line.extra.NAME", std::to_array<Field>({
    {"invoice", Type::record(Rec::invoice),
     [](const void* p, const Book& b) { return Value::record(Rec::invoice, &b.invoice_of(rec<InvoiceLine>(p))); },
     "the line's invoice"},
    {"client", Type::record(Rec::client),
     [](const void* p, const Book& b) {
       return Value::record(Rec::client, b.client(b.invoice_of(rec<InvoiceLine>(p)).client_id));
     },
     "the invoice's client"},
    {"engagement", Type::record(Rec::engagement),
     [](const void* p, const Book& b) {
       return Value::record(Rec::engagement, b.engagement(b.invoice_of(rec<InvoiceLine>(p)).engagement_id));
     },
     "the invoice's engagement"},
    {"timekeeper", Type::record(Rec::timekeeper),
     [](const void* p, const Book& b) {
       const auto& l = rec<InvoiceLine>(p);
       return l.timekeeper_id.empty() ? Value::absent() : Value::record(Rec::timekeeper, b.timekeeper(l.timekeeper_id));
     },
     "the timekeeper (absent when the line names none or an unknown one)"},
    {"entry", Type::record(Rec::time_entry),
     [](const void* p, const Book& b) {
       const auto& l = rec<InvoiceLine>(p);
       return l.entry_id.empty() ? Value::absent() : Value::record(Rec::time_entry, b.time_entry(l.entry_id));
     },
     "the time entry the line bills"},
    {"agreed_rate", kMoney,
     [](const void* p, const Book& b) {
       const Rate* r = b.agreed_rate(rec<InvoiceLine>(p));
       return r ? Value::decimal(r->rate) : Value::absent();
     },
     "the rate card's rate for this timekeeper (or role) on the line's date; absent when none applies"},
    {"rate_card", Type::record(Rec::rate),
     [](const void* p, const Book& b) { return Value::record(Rec::rate, b.agreed_rate(rec<InvoiceLine>(p))); },
     "the rate card row that applies (its rate, role, effective dates)"},
}));

constexpr auto kInvoice = record_fields<Invoice>("the invoice's extra columns", std::to_array<Field>({
    {"client", Type::record(Rec::client),
     [](const void* p, const Book& b) { return Value::record(Rec::client, b.client(rec<Invoice>(p).client_id)); },
     "the client"},
    {"engagement", Type::record(Rec::engagement),
     [](const void* p, const Book& b) {
       const auto& i = rec<Invoice>(p);
       return i.engagement_id.empty() ? Value::absent() : Value::record(Rec::engagement, b.engagement(i.engagement_id));
     },
     "the engagement"},
    {"lines", Type::list_of(Type::record(Rec::line)),
     [](const void* p, const Book& b) {
       auto s = b.lines_of(rec<Invoice>(p));
       return Value::list(ListSrc::lines, Rec::line, s.data(), s.size());
     },
     "the invoice's lines"},
    {"payments", Type::list_of(Type::record(Rec::payment)),
     [](const void* p, const Book& b) { return records(Rec::payment, b.payments_of(rec<Invoice>(p))); },
     "the payments applied to it"},
    {"credit_notes", Type::list_of(Type::record(Rec::credit_note)),
     [](const void* p, const Book& b) {
       return records(Rec::credit_note, b.credit_notes_of(rec<Invoice>(p)));
     },
     "the credit notes against it"},
}));

constexpr auto kClient = record_fields<Client>("the client's extra columns", std::to_array<Field>({
    {"invoices", Type::list_of(Type::record(Rec::invoice)),
     [](const void* p, const Book& b) { return records(Rec::invoice, b.invoices_of_client(rec<Client>(p).id)); },
     "the client's invoices, by issue date"},
    {"payments", Type::list_of(Type::record(Rec::payment)),
     [](const void* p, const Book& b) { return records(Rec::payment, b.payments_of_client(rec<Client>(p).id)); },
     "the client's payments"},
    {"credit_notes", Type::list_of(Type::record(Rec::credit_note)),
     [](const void* p, const Book& b) {
       return records(Rec::credit_note, b.credit_notes_of_client(rec<Client>(p).id));
     },
     "the client's credit notes"},
}));

constexpr auto kTimekeeper = record_fields<Timekeeper>("the timekeeper's extra columns");

constexpr auto kEngagement = record_fields<Engagement>("the engagement's extra columns", std::to_array<Field>({
    {"client", Type::record(Rec::client),
     [](const void* p, const Book& b) { return Value::record(Rec::client, b.client(rec<Engagement>(p).client_id)); },
     "the client"},
    {"invoices", Type::list_of(Type::record(Rec::invoice)),
     [](const void* p, const Book& b) {
       return records(Rec::invoice, b.invoices_of_engagement(rec<Engagement>(p).id));
     },
     "the engagement's invoices, by issue date"},
}));

constexpr auto kTimeEntry = record_fields<TimeEntry>("the entry's extra columns", std::to_array<Field>({
    {"timekeeper", Type::record(Rec::timekeeper),
     [](const void* p, const Book& b) {
       return Value::record(Rec::timekeeper, b.timekeeper(rec<TimeEntry>(p).timekeeper_id));
     },
     "the timekeeper"},
    {"engagement", Type::record(Rec::engagement),
     [](const void* p, const Book& b) {
       return Value::record(Rec::engagement, b.engagement(rec<TimeEntry>(p).engagement_id));
     },
     "the engagement"},
}));

constexpr auto kRate = record_fields<Rate>("the row's extra columns");

constexpr auto kPayment = record_fields<Payment>("the payment's extra columns", std::to_array<Field>({
    {"client", Type::record(Rec::client),
     [](const void* p, const Book& b) { return Value::record(Rec::client, b.client(rec<Payment>(p).client_id)); },
     "the client"},
    {"invoice", Type::record(Rec::invoice),
     [](const void* p, const Book& b) {
       const auto& x = rec<Payment>(p);
       return x.invoice_id.empty() ? Value::absent() : Value::record(Rec::invoice, b.invoice(x.invoice_id));
     },
     "the invoice it is applied to (absent when unapplied)"},
}));

constexpr auto kCreditNote = record_fields<CreditNote>("the note's extra columns", std::to_array<Field>({
    {"client", Type::record(Rec::client),
     [](const void* p, const Book& b) { return Value::record(Rec::client, b.client(rec<CreditNote>(p).client_id)); },
     "the client"},
    {"invoice", Type::record(Rec::invoice),
     [](const void* p, const Book& b) {
       const auto& x = rec<CreditNote>(p);
       return x.invoice_id.empty() ? Value::absent() : Value::record(Rec::invoice, b.invoice(x.invoice_id));
     },
     "the invoice it credits"},
}));

}  // namespace

std::span<const Field> fields_of(Rec r) {
  switch (r) {
    case Rec::line: return kLine;
    case Rec::invoice: return kInvoice;
    case Rec::client: return kClient;
    case Rec::payment: return kPayment;
    case Rec::credit_note: return kCreditNote;
    case Rec::timekeeper: return kTimekeeper;
    case Rec::engagement: return kEngagement;
    case Rec::time_entry: return kTimeEntry;
    case Rec::rate: return kRate;
    case Rec::none:
    case Rec::extra: return {};
  }
  return {};
}

bool crosses_clients(Rec r, std::string_view name) {
  switch (r) {
    case Rec::invoice: return name == "payments" || name == "credit_notes";
    case Rec::payment:
    case Rec::credit_note: return name == "invoice";
    case Rec::engagement: return name == "invoices";
    default: return false;
  }
}

const Field* find_field(Rec r, std::string_view name) {
  for (const Field& f : fields_of(r))
    if (f.name == name) return &f;
  return nullptr;
}

std::string_view to_string(Rec r) {
  switch (r) {
    case Rec::none: return "none";
    case Rec::line: return "line";
    case Rec::invoice: return "invoice";
    case Rec::client: return "client";
    case Rec::payment: return "payment";
    case Rec::credit_note: return "credit_note";
    case Rec::timekeeper: return "timekeeper";
    case Rec::engagement: return "engagement";
    case Rec::time_entry: return "time_entry";
    case Rec::rate: return "rate";
    case Rec::extra: return "extra";
  }
  return "?";
}

std::string to_string(const Type& t) {
  switch (t.kind) {
    case Kind::absent: return "absent";
    case Kind::boolean: return "bool";
    case Kind::decimal: return "decimal";
    case Kind::string: return "string";
    case Kind::date: return "date";
    case Kind::record: return std::string(to_string(t.rec));
    case Kind::list: return "list<" + to_string(t.element()) + ">";
    case Kind::map: return "map<string, decimal>";
  }
  return "?";
}

}  // namespace billcheck::expr
