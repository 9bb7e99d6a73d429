#include "packs/expr/bindings.hpp"

#include <algorithm>
#include <type_traits>

namespace billcheck::expr {
namespace {

template <class M>
struct member_traits;
template <class C, class V>
struct member_traits<V C::*> {
  using record = C;
  using value = V;
};

Value to_value(const std::string& v) { return Value::text(v); }
Value to_value(Decimal v) { return Value::decimal(v); }
Value to_value(Date v) { return Value::date(v); }
Value to_value(std::int64_t v) { return Value::decimal(Decimal::from_int(v)); }
Value to_value(bool v) { return Value::boolean(v); }
Value to_value(const Extras& v) { return Value::record(Rec::extra, &v); }
template <class T>
Value to_value(const std::optional<T>& v) {
  return v ? to_value(*v) : Value::absent();
}

template <class V>
constexpr Type type_of(bool money) {
  if constexpr (std::is_same_v<V, std::string>)
    return Type::string();
  else if constexpr (std::is_same_v<V, Decimal>)
    return Type::decimal(money);
  else if constexpr (std::is_same_v<V, Date>)
    return Type::date();
  else if constexpr (std::is_same_v<V, std::int64_t>)
    return Type::decimal();
  else if constexpr (std::is_same_v<V, bool>)
    return Type::boolean();
  else if constexpr (std::is_same_v<V, Extras>)
    return Type::record(Rec::extra);
  else
    return type_of<typename V::value_type>(money);
}

template <auto M>
Value get_member(const void* p, const Book&) {
  using R = typename member_traits<decltype(M)>::record;
  return to_value(static_cast<const R*>(p)->*M);
}

/// A column of the record, read straight from its member.
template <auto M>
constexpr Field column(std::string_view name, std::string_view doc, bool money = false) {
  using V = typename member_traits<decltype(M)>::value;
  return Field{name, type_of<V>(money), &get_member<M>, doc};
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

const Field kLine[] = {
    column<&InvoiceLine::invoice_id>("invoice_id", "the invoice number"),
    column<&InvoiceLine::line_no>("line_no", "the line number within the invoice"),
    column<&InvoiceLine::type>("type", "fee, expense or adjustment"),
    column<&InvoiceLine::date>("date", "the date the work or expense was incurred"),
    column<&InvoiceLine::timekeeper_id>("timekeeper_id", "the timekeeper's id"),
    column<&InvoiceLine::entry_id>("entry_id", "the time entry's id"),
    column<&InvoiceLine::task_code>("task_code", "the UTBMS task code"),
    column<&InvoiceLine::activity_code>("activity_code", "the UTBMS activity code"),
    column<&InvoiceLine::expense_code>("expense_code", "the UTBMS expense code"),
    column<&InvoiceLine::description>("description", "the narrative"),
    column<&InvoiceLine::quantity>("quantity", "hours for a fee line, units for an expense"),
    column<&InvoiceLine::rate>("rate", "the rate billed", true),
    column<&InvoiceLine::adjustment>("adjustment", "the adjustment added to quantity x rate", true),
    column<&InvoiceLine::amount>("amount", "the line's amount", true),
    column<&InvoiceLine::extra>("extra", "the line's extra columns: line.extra.NAME"),
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
};

const Field kInvoice[] = {
    column<&Invoice::id>("id", "the invoice number"),
    column<&Invoice::client_id>("client_id", "the client's id"),
    column<&Invoice::engagement_id>("engagement_id", "the engagement's id"),
    column<&Invoice::issue_date>("issue_date", "the date of issue"),
    column<&Invoice::period_start>("period_start", "the first day billed"),
    column<&Invoice::period_end>("period_end", "the last day billed"),
    column<&Invoice::due_date>("due_date", "the due date"),
    column<&Invoice::currency>("currency", "ISO 4217 code"),
    column<&Invoice::discount>("discount", "the discount given", true),
    column<&Invoice::tax_rate>("tax_rate", "the tax rate, in percent"),
    column<&Invoice::tax>("tax", "the tax charged", true),
    column<&Invoice::total>("total", "the invoice total", true),
    column<&Invoice::status>("status", "draft, issued, paid or void"),
    column<&Invoice::extra>("extra", "the invoice's extra columns"),
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
     [](const void* p, const Book& b) { return records(Rec::payment, b.payments_of_invoice(rec<Invoice>(p).id)); },
     "the payments applied to it"},
    {"credit_notes", Type::list_of(Type::record(Rec::credit_note)),
     [](const void* p, const Book& b) {
       return records(Rec::credit_note, b.credit_notes_of_invoice(rec<Invoice>(p).id));
     },
     "the credit notes against it"},
};

const Field kClient[] = {
    column<&Client::id>("id", "the client's id"),
    column<&Client::name>("name", "the client's name"),
    column<&Client::billing_entity>("billing_entity", "the entity invoiced"),
    column<&Client::billing_address>("billing_address", "the billing address"),
    column<&Client::billing_email>("billing_email", "where invoices go"),
    column<&Client::tax_id>("tax_id", "the client's tax id"),
    column<&Client::country>("country", "the client's country"),
    column<&Client::currency>("currency", "the client's currency"),
    column<&Client::payment_terms_days>("payment_terms_days", "days to pay"),
    column<&Client::credit_limit>("credit_limit", "the credit limit", true),
    column<&Client::credit_hold>("credit_hold", "true when no more credit may be given"),
    column<&Client::last_verified>("last_verified", "when the client's details were last checked"),
    column<&Client::extra>("extra", "the client's extra columns"),
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
};

const Field kTimekeeper[] = {
    column<&Timekeeper::id>("id", "the timekeeper's id"),
    column<&Timekeeper::name>("name", "the timekeeper's name"),
    column<&Timekeeper::role>("role", "partner, associate, paralegal ..."),
    column<&Timekeeper::active_from>("active_from", "first day with the firm"),
    column<&Timekeeper::active_to>("active_to", "last day with the firm"),
    column<&Timekeeper::extra>("extra", "the timekeeper's extra columns"),
};

const Field kEngagement[] = {
    column<&Engagement::id>("id", "the engagement's id"),
    column<&Engagement::client_id>("client_id", "the client's id"),
    column<&Engagement::name>("name", "the matter's name"),
    column<&Engagement::billing_entity>("billing_entity", "the entity invoiced"),
    column<&Engagement::billing_cycle>("billing_cycle", "monthly, quarterly or milestone"),
    column<&Engagement::invoice_within_days>("invoice_within_days", "days after the period to invoice within"),
    column<&Engagement::discount_pct>("discount_pct", "the agreed discount, in percent"),
    column<&Engagement::fee_cap>("fee_cap", "the agreed fee cap", true),
    column<&Engagement::start_date>("start_date", "the engagement's first day"),
    column<&Engagement::end_date>("end_date", "the engagement's last day"),
    column<&Engagement::extra>("extra", "the engagement's extra columns"),
    {"client", Type::record(Rec::client),
     [](const void* p, const Book& b) { return Value::record(Rec::client, b.client(rec<Engagement>(p).client_id)); },
     "the client"},
    {"invoices", Type::list_of(Type::record(Rec::invoice)),
     [](const void* p, const Book& b) {
       return records(Rec::invoice, b.invoices_of_engagement(rec<Engagement>(p).id));
     },
     "the engagement's invoices, by issue date"},
};

const Field kTimeEntry[] = {
    column<&TimeEntry::id>("id", "the entry's id"),
    column<&TimeEntry::engagement_id>("engagement_id", "the engagement's id"),
    column<&TimeEntry::timekeeper_id>("timekeeper_id", "the timekeeper's id"),
    column<&TimeEntry::date>("date", "the day worked"),
    column<&TimeEntry::hours>("hours", "the hours recorded"),
    column<&TimeEntry::billable>("billable", "false for time not to be billed"),
    column<&TimeEntry::task_code>("task_code", "the UTBMS task code"),
    column<&TimeEntry::activity_code>("activity_code", "the UTBMS activity code"),
    column<&TimeEntry::description>("description", "the narrative"),
    column<&TimeEntry::extra>("extra", "the entry's extra columns"),
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
};

const Field kRate[] = {
    column<&Rate::engagement_id>("engagement_id", "the engagement's id"),
    column<&Rate::timekeeper_id>("timekeeper_id", "the timekeeper the row is for (absent for a role row)"),
    column<&Rate::role>("role", "the role the row is for"),
    column<&Rate::rate>("rate", "the agreed rate", true),
    column<&Rate::effective_from>("effective_from", "first day the rate applies"),
    column<&Rate::effective_to>("effective_to", "last day the rate applies"),
    column<&Rate::extra>("extra", "the row's extra columns"),
};

const Field kPayment[] = {
    column<&Payment::id>("id", "the payment's id"),
    column<&Payment::client_id>("client_id", "the client's id"),
    column<&Payment::invoice_id>("invoice_id", "the invoice it is applied to"),
    column<&Payment::date>("date", "the day received"),
    column<&Payment::amount>("amount", "the amount received", true),
    column<&Payment::currency>("currency", "ISO 4217 code"),
    column<&Payment::reference>("reference", "the bank reference"),
    column<&Payment::extra>("extra", "the payment's extra columns"),
    {"client", Type::record(Rec::client),
     [](const void* p, const Book& b) { return Value::record(Rec::client, b.client(rec<Payment>(p).client_id)); },
     "the client"},
    {"invoice", Type::record(Rec::invoice),
     [](const void* p, const Book& b) {
       const auto& x = rec<Payment>(p);
       return x.invoice_id.empty() ? Value::absent() : Value::record(Rec::invoice, b.invoice(x.invoice_id));
     },
     "the invoice it is applied to (absent when unapplied)"},
};

const Field kCreditNote[] = {
    column<&CreditNote::id>("id", "the credit note's id"),
    column<&CreditNote::client_id>("client_id", "the client's id"),
    column<&CreditNote::invoice_id>("invoice_id", "the invoice it credits"),
    column<&CreditNote::date>("date", "the day issued"),
    column<&CreditNote::amount>("amount", "the amount credited", true),
    column<&CreditNote::reason>("reason", "why"),
    column<&CreditNote::approved_by>("approved_by", "who approved it"),
    column<&CreditNote::extra>("extra", "the note's extra columns"),
    {"client", Type::record(Rec::client),
     [](const void* p, const Book& b) { return Value::record(Rec::client, b.client(rec<CreditNote>(p).client_id)); },
     "the client"},
    {"invoice", Type::record(Rec::invoice),
     [](const void* p, const Book& b) {
       const auto& x = rec<CreditNote>(p);
       return x.invoice_id.empty() ? Value::absent() : Value::record(Rec::invoice, b.invoice(x.invoice_id));
     },
     "the invoice it credits"},
};

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
