// The SDK's version and plugin ABI version.
#pragma once

#define BILLCHECK_SDK_VERSION "0.1.0"
#define BILLCHECK_ABI_MAJOR 5
#define BILLCHECK_ABI_MINOR 5
