// The `_billcheck` extension module, re-exported by the `billcheck` package.
#include "bind_parts.hpp"
#include "bind_sdk.hpp"
#include "bind_store.hpp"
#include "python_rule.hpp"
#include "hosting/python_rules.hpp"

PYBIND11_MODULE(_billcheck, m) {
  billcheck::python::bind_sdk(m);
  billcheck::python::bind_store(m);
  billcheck::python::bind_parts(m);
  billcheck::python::refuse_unconstructed(m);  // after every class is bound
  // From now on an Engine built in this process runs its config's Python rule
  // files in this interpreter (the host's support library is not needed).
  billcheck::detail::set_python_rule_loader(&billcheck::python::load_rule_files);
}
