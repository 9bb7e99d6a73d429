#include "convert.hpp"

#include <datetime.h>

#include <filesystem>

namespace billcheck::python {
namespace fs = std::filesystem;
namespace {

// Looked up once and kept for the life of the process: a static py::object
// would be released after the interpreter is gone.
PyObject* decimal_class() {
  static PyObject* cls = py::object(py::module_::import("decimal").attr("Decimal")).release().ptr();
  return cls;
}

void ensure_datetime_api() {
  if (!PyDateTimeAPI) {
    PyDateTime_IMPORT;
    if (!PyDateTimeAPI) throw py::error_already_set();
  }
}

std::string type_name(py::handle value) { return Py_TYPE(value.ptr())->tp_name; }

}  // namespace

namespace {

py::object decimal_from_text(const std::string& text) {
  py::object s = py::reinterpret_steal<py::object>(PyUnicode_FromStringAndSize(text.data(), static_cast<Py_ssize_t>(text.size())));
  if (!s) throw py::error_already_set();
  PyObject* r = PyObject_CallOneArg(decimal_class(), s.ptr());
  if (!r) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(r);
}

// decimal.Decimal objects recently made, by value and minimum decimals: a
// book repeats its quantities, rates and many amounts, and a hit costs a few
// nanoseconds where making one costs a hundred. Decimals are immutable, so
// sharing them is safe; every caller holds the GIL.
class DecimalCache {
 public:
  py::object get(Decimal d, int min_places) {
    Slot& s = slots_[index(d.raw(), min_places)];
    if (!s.object || s.raw != d.raw() || s.places != min_places) {
      py::object made = decimal_from_text(d.to_string(min_places));
      Py_XDECREF(s.object);
      s = {d.raw(), min_places, made.inc_ref().ptr()};
    }
    return py::reinterpret_borrow<py::object>(s.object);
  }

 private:
  struct Slot {
    std::int64_t raw = 0;
    int places = 0;
    PyObject* object = nullptr;
  };
  static constexpr int kBits = 12;
  static std::size_t index(std::int64_t raw, int places) {
    auto h = (static_cast<std::uint64_t>(raw) ^ (static_cast<std::uint64_t>(places) << 59)) * 0x9E3779B97F4A7C15ULL;
    return static_cast<std::size_t>(h >> (64 - kBits));
  }
  Slot slots_[1 << kBits];
};

DecimalCache& decimal_cache() {
  static auto* cache = new DecimalCache;  // kept for the life of the process, like the objects it holds
  return *cache;
}

}  // namespace

py::object to_py(Decimal d) { return decimal_cache().get(d, 0); }
py::object to_py(const std::optional<Decimal>& d) { return d ? to_py(*d) : py::none(); }

py::object money_to_py(Decimal d, std::string_view currency) {
  // A book is nearly always in one or a few currencies: remember the last one
  // rather than search the ISO exceptions for every amount (the GIL guards these).
  static std::string last_currency;
  static int last_units = 2;
  if (currency != last_currency) {
    last_currency = currency;
    last_units = minor_units(currency);
  }
  return decimal_cache().get(d, currency.empty() ? 0 : last_units);
}
py::object money_to_py(const std::optional<Decimal>& d, std::string_view currency) {
  return d ? money_to_py(*d, currency) : py::none();
}

py::object to_py(Date d) {
  ensure_datetime_api();
  PyObject* r = PyDate_FromDate(d.year(), static_cast<int>(d.month()), static_cast<int>(d.day()));
  if (!r) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(r);
}

py::object to_py(const std::optional<Date>& d) { return d ? to_py(*d) : py::none(); }

py::object text_or_none(std::string_view s) {
  if (s.empty()) return py::none();
  return py::str(s.data(), s.size());
}

Decimal decimal_from_py(py::handle value, std::string_view what) {
  std::string text;
  if (PyFloat_Check(value.ptr())) {
    const std::string r = py::repr(value).cast<std::string>();
    throw py::type_error(std::string(what) + ": " + r + " is a float, and a binary float is not an exact amount; use "
                         "decimal.Decimal('" + r + "') or the string '" + r + "'");
  } else if (PyBool_Check(value.ptr())) {
    throw py::type_error(std::string(what) + ": expected a decimal.Decimal, an int or a string, not a bool");
  } else if (PyLong_Check(value.ptr())) {
    text = py::str(value).cast<std::string>();
  } else if (PyUnicode_Check(value.ptr())) {
    text = value.cast<std::string>();
  } else if (PyObject_IsInstance(value.ptr(), decimal_class()) == 1) {
    if (!value.attr("is_finite")().cast<bool>())
      throw py::value_error(std::string(what) + ": " + py::str(value).cast<std::string>() + " is not a finite number");
    // Format "f" writes every digit and never an exponent (Decimal('1E+3') -> 1000).
    auto f = py::reinterpret_steal<py::object>(PyObject_Format(value.ptr(), py::str("f").ptr()));
    if (!f) throw py::error_already_set();
    text = f.cast<std::string>();
  } else {
    throw py::type_error(std::string(what) + ": expected a decimal.Decimal, an int or a string, not " + type_name(value));
  }
  Decimal d;
  std::string why = Decimal::parse_error(text, d);
  if (!why.empty()) throw py::value_error(std::string(what) + ": '" + text + "' is not an amount billcheck can hold: " + why);
  return d;
}

Date date_from_py(py::handle value, std::string_view what) {
  ensure_datetime_api();
  if (PyDate_Check(value.ptr())) {
    auto d = Date::from_ymd(PyDateTime_GET_YEAR(value.ptr()), static_cast<unsigned>(PyDateTime_GET_MONTH(value.ptr())),
                            static_cast<unsigned>(PyDateTime_GET_DAY(value.ptr())));
    if (d) return *d;
  } else if (PyUnicode_Check(value.ptr())) {
    if (auto d = Date::parse_iso(value.cast<std::string>())) return *d;
    throw py::value_error(std::string(what) + ": '" + value.cast<std::string>() + "' is not a date (expected YYYY-MM-DD)");
  }
  throw py::type_error(std::string(what) + ": expected a datetime.date or 'YYYY-MM-DD', not " + type_name(value));
}

bool is_date(py::handle value) {
  ensure_datetime_api();
  return PyDate_Check(value.ptr());
}

bool is_decimal(py::handle value) { return PyObject_IsInstance(value.ptr(), decimal_class()) == 1; }

py::dict options_to_py(const Options& options) {
  py::dict out;
  for (const auto& [name, value] : options.values()) {
    py::object v = std::visit(
        [](const auto& x) -> py::object {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, bool>) {
            return py::bool_(x);
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            return py::int_(x);
          } else if constexpr (std::is_same_v<T, Decimal>) {
            return to_py(x);
          } else if constexpr (std::is_same_v<T, std::string>) {
            return py::str(x);
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            py::list l;
            for (const auto& s : x) l.append(py::str(s));
            return l;
          } else {
            py::dict d;
            for (const auto& [k, dec] : x) d[py::str(k)] = to_py(dec);
            return d;
          }
        },
        value);
    out[py::str(name)] = v;
  }
  return out;
}

std::string display_path(std::string_view path) {
  std::error_code ec;
  fs::path p(path);
  if (!p.is_absolute()) return std::string(path);
  fs::path cwd = fs::current_path(ec);
  if (ec) return std::string(path);
  fs::path rel = p.lexically_relative(cwd);
  if (rel.empty() || *rel.begin() == "..") return std::string(path);
  return rel.string();
}

namespace {

// (file, line) of each traceback frame, outermost first.
std::vector<std::pair<std::string, int>> frames_of(const py::error_already_set& e) {
  std::vector<std::pair<std::string, int>> out;
  for (py::handle tb = e.trace(); tb && !tb.is_none(); tb = tb.attr("tb_next")) {
    py::object code = tb.attr("tb_frame").attr("f_code");
    out.emplace_back(code.attr("co_filename").cast<std::string>(), tb.attr("tb_lineno").cast<int>());
  }
  return out;
}

}  // namespace

int traceback_line(const py::error_already_set& e, std::string_view file) {
  auto frames = frames_of(e);
  for (auto it = frames.rbegin(); it != frames.rend(); ++it)
    if (it->first == file) return it->second;
  return 0;
}

std::string describe_exception(const py::error_already_set& e, std::string_view prefer_file,
                               std::string_view fallback_where) {
  std::string type = e.type() ? py::str(e.type().attr("__name__")).cast<std::string>() : "Exception";
  std::string message = e.value() ? py::str(e.value()).cast<std::string>() : "";
  std::string where;
  if (int line = traceback_line(e, prefer_file)) {
    where = display_path(prefer_file) + ":" + std::to_string(line);
  } else if (auto frames = frames_of(e); !frames.empty()) {
    where = display_path(frames.back().first) + ":" + std::to_string(frames.back().second);
  } else {
    where = fallback_where;
  }
  std::string out = message.empty() ? type : type + ": " + message;
  if (!where.empty()) out += " (" + where + ")";
  return out;
}

SharedObject::SharedObject(py::handle o)
    : p_(o.inc_ref().ptr(), [](PyObject* p) {
        // At interpreter shutdown the object is left to the process exit.
        if (!Py_IsInitialized() || _Py_IsFinalizing()) return;
        Gil gil;
        Py_DECREF(p);
      }) {}

}  // namespace billcheck::python
