// A plugin that is only a descriptor and a registration that adds nothing, so
// that it loads whatever standard library ABI it is built with (it references
// no SDK symbol): the tests build it with the old libstdc++ string ABI, which
// the host must refuse, with an ABI 1.0 descriptor, which must be refused (another major), and
// with a registration that throws, which the host must refuse.
#include <billcheck/sdk.hpp>

#include <cstddef>
#include <stdexcept>

namespace {

void register_rules(billcheck::Registry&) {
#ifdef TEST_REGISTRATION_THROWS
  throw std::runtime_error("the licence file is missing");
#endif
}

}  // namespace

#ifdef TEST_DESCRIPTOR_ABI_1_0
// The descriptor as ABI 1.0 plugins were built: no cxx_library field. ABI 2.0
// changed the entities' layout (credit notes gained columns), so the host must refuse it.
extern "C" BOOST_SYMBOL_EXPORT const ::billcheck::PluginDescriptor billcheck_plugin_descriptor = {
    1, 0, offsetof(::billcheck::PluginDescriptor, cxx_library), BILLCHECK_SDK_VERSION, TEST_PLUGIN_NAME, "1.0.0",
    BILLCHECK_COMPILER, nullptr};
BOOST_DLL_ALIAS(register_rules, billcheck_register_rules)
#else
BILLCHECK_PLUGIN(TEST_PLUGIN_NAME, "1.0.0", register_rules)
#endif
