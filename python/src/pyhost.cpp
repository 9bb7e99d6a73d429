// libbillcheck_pyhost: how the billcheck executable (or any program linking
// the engine) runs Python rule files. The engine loads this library only when
// a config lists Python files; it starts an interpreter (or joins the one
// already running), imports the `billcheck` package, and hands over to the
// loader that package registers with the engine.
#include "hosting/python_rules.hpp"

#include <pybind11/embed.h>

#include <boost/dll/alias.hpp>
#include <boost/dll/runtime_symbol_info.hpp>

#include <mutex>

namespace billcheck::pyhost {
namespace {
namespace fs = std::filesystem;
namespace py = pybind11;

// Puts the package on sys.path: build/python from build/lib/billcheck, or the
// installed site directory, both found relative to this library.
void add_package_dir() {
  const fs::path here = boost::dll::this_line_location().parent_path();
  for (const char* relative : {BILLCHECK_PYHOST_BUILD_PACKAGE_DIR, BILLCHECK_PYHOST_INSTALLED_PACKAGE_DIR}) {
    const fs::path dir = (here / relative).lexically_normal();
    if (!fs::exists(dir / "billcheck" / "__init__.py")) continue;
    py::list path = py::module_::import("sys").attr("path");
    if (!path.contains(dir.string())) path.insert(0, dir.string());
    return;
  }
}

// Starts the interpreter once per process; it is never finalized (the rules it
// holds live as long as the engines that run them).
void start_interpreter() {
  py::initialize_interpreter(/*init_signal_handlers=*/false, 0, nullptr, /*add_program_dir_to_path=*/false);
  // What a rule prints must not mix into a report written to stdout.
  py::module_ sys = py::module_::import("sys");
  sys.attr("stdout") = sys.attr("stderr");
  PyEval_SaveThread();  // the engine's threads take the GIL when they run Python rules
}

void load_rule_files(const std::vector<fs::path>& files, Registry& registry, std::vector<std::string>& errors) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  try {
    if (!Py_IsInitialized()) start_interpreter();
    std::string import_error;
    PyGILState_STATE gil = PyGILState_Ensure();
    try {
      add_package_dir();
      py::module_::import("billcheck");
    } catch (py::error_already_set& e) {
      import_error = e.what();
    }
    PyGILState_Release(gil);
    if (!import_error.empty()) {
      errors.push_back("python: cannot import the billcheck package, which runs Python rules (is it built? "
                       "PYTHONPATH may name its folder): " + import_error);
      return;
    }
    auto* loader = detail::python_rule_loader();
    if (!loader) {
      errors.push_back("python: the billcheck package did not register its rule loader");
      return;
    }
    loader(files, registry, errors);
  } catch (const std::exception& e) {
    errors.push_back(std::string("python: cannot start the Python interpreter: ") + e.what());
  }
}

}  // namespace
}  // namespace billcheck::pyhost

BOOST_DLL_ALIAS(billcheck::pyhost::load_rule_files, billcheck_load_python_rules)
