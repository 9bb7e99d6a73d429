// billcheck.distributed's engine side: a book in parts checked task by task.
#pragma once

#include <pybind11/pybind11.h>

namespace billcheck::python {
namespace py = pybind11;

void bind_parts(py::module_& m);

}  // namespace billcheck::python
