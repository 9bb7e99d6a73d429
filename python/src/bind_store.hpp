// billcheck.Store: the record (host/store) from Python.
#pragma once

#include <pybind11/pybind11.h>

namespace billcheck::python {
namespace py = pybind11;

void bind_store(py::module_& m);

}  // namespace billcheck::python
