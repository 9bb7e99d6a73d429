// The Python binding of the SDK and the engine: one function that fills a
// module, used by the `_billcheck` extension. The host's embedded interpreter
// imports that same extension, so scripts and host-run rules see one set of types.
#pragma once

#include <billcheck/book.hpp>

#include <pybind11/pybind11.h>

#include <memory>
#include <string>

namespace billcheck::python {
namespace py = pybind11;

/// Everything `import billcheck` offers from C++: entities, Book, load_book,
/// Engine, Report, Finding, RuleInfo, the rule Context, the errors.
void bind_sdk(py::module_& m);

// The parts of bind_sdk, one per source file.
void bind_entities(py::module_& m);
void bind_rule_support(py::module_& m);

/// Which book a record belongs to, so that `line.invoice` can be answered: the
/// book a Python rule is checking on this thread, else a book loaded from Python.
/// Throws std::runtime_error when the record's book is gone.
template <class Record>
const Book& book_of(const Record& record);
/// A Book handed to Python (loaded, or corrected by fix): registered while Python holds it.
std::shared_ptr<Book> owned_book(Book book);
/// Books loaded from Python register for their lifetime.
/// `book`, when it is still loaded (the book of the check running on this
/// thread, or one a Python object owns); a RuntimeError otherwise.
const Book& live(const Book& book);
void register_book(const Book* book);
void unregister_book(const Book* book);
/// The book the Python rule running on this thread checks (nullptr after).
/// Marks the check of `book` interrupted (Ctrl-C): its Python rules are no longer called. `on` false clears it.
void interrupt_python_rules(const Book* book, bool on);
void set_checking_book(const Book* book);
const Book* checking_book();

/// Makes every class bound in `m` refuse an instance whose C++ value was never
/// constructed (made by `Cls.__new__(Cls)`, which skips `__init__`) with a
/// TypeError, where a method called on it ran on raw memory. Called once, after
/// every class is bound.
void refuse_unconstructed(py::module_& m);
/// The TypeError's text for such an instance of pybind11 class `cls`.
std::string unconstructed_message(py::handle cls);

}  // namespace billcheck::python
