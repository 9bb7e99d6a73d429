// Values between C++ and Python: exact decimals as decimal.Decimal, dates as
// datetime.date, absent values as None; and the GIL handling shared by every
// place where C++ calls into Python.
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/options.hpp>

#include <pybind11/pybind11.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace billcheck::python {
namespace py = pybind11;

/// decimal.Decimal built from the value's exact text (never through a float).
py::object to_py(Decimal d);
py::object to_py(const std::optional<Decimal>& d);
/// decimal.Decimal of an amount written with its currency's decimals
/// (`1200.00` for USD, `1200` for JPY), as the reports write it.
py::object money_to_py(Decimal d, std::string_view currency);
py::object money_to_py(const std::optional<Decimal>& d, std::string_view currency);
/// datetime.date.
py::object to_py(Date d);
py::object to_py(const std::optional<Date>& d);
/// str, or None for an empty (absent) value.
py::object text_or_none(std::string_view s);

/// A Decimal from decimal.Decimal, int or str. Raises TypeError for float (money
/// must stay exact) and anything else, ValueError for text that is not a decimal
/// or needs more than 6 decimals. `what` names the argument in the message.
Decimal decimal_from_py(py::handle value, std::string_view what);
/// A Date from datetime.date or ISO text; TypeError/ValueError otherwise.
Date date_from_py(py::handle value, std::string_view what);
/// Whether `value` is a datetime.date (or datetime).
bool is_date(py::handle value);
/// Whether `value` is a decimal.Decimal.
bool is_decimal(py::handle value);

/// Options as a dict: booleans, ints, Decimals, str, list[str], dict[str, Decimal].
py::dict options_to_py(const Options& options);

/// A path for messages: relative to the working directory when below it.
std::string display_path(std::string_view path);

/// `ExceptionType: message (file.py:LINE)` for the Python error being handled,
/// with the innermost traceback frame in `prefer_file` (else the innermost
/// frame, else `fallback_where` when the error has no Python frame).
std::string describe_exception(const py::error_already_set& e, std::string_view prefer_file,
                               std::string_view fallback_where = {});
/// The line of the innermost traceback frame in `file`, or 0.
int traceback_line(const py::error_already_set& e, std::string_view file);

/// Holds the GIL for this thread while alive, whether or not the thread
/// already has it (PyGILState: nests, works on threads Python never saw).
class Gil {
 public:
  Gil() : state_(PyGILState_Ensure()) {}
  ~Gil() { PyGILState_Release(state_); }
  Gil(const Gil&) = delete;
  Gil& operator=(const Gil&) = delete;

 private:
  PyGILState_STATE state_;
};

/// A strong reference that may be dropped on any thread, GIL held or not (rule
/// objects outlive the Python call that made them and die with the engine).
/// Copies share one reference, so copying never touches Python.
class SharedObject {
 public:
  SharedObject() = default;
  /// Takes a new reference to `o`; the GIL must be held.
  explicit SharedObject(py::handle o);
  PyObject* get() const { return p_.get(); }
  py::handle handle() const { return p_.get(); }
  explicit operator bool() const { return static_cast<bool>(p_); }

 private:
  std::shared_ptr<PyObject> p_;
};

}  // namespace billcheck::python
