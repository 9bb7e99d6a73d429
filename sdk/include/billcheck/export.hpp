// Symbol visibility for the SDK library and for plugins: everything is hidden
// unless marked, so a plugin exposes only its descriptor and registration alias.
#pragma once

#if defined(_WIN32)
#define BILLCHECK_SDK_API
#else
#define BILLCHECK_SDK_API __attribute__((visibility("default")))
#endif
