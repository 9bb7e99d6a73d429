// The logger the host hands to plugins, so that a plugin's messages go where
// the host's do without the plugin depending on the host's logging library.
#pragma once

#include <billcheck/export.hpp>

#include <string_view>

namespace billcheck {

enum class LogLevel { debug, info, warn, error };

class BILLCHECK_SDK_API Log {
 public:
  virtual ~Log();
  virtual void write(LogLevel level, std::string_view message) = 0;

  void debug(std::string_view m) { write(LogLevel::debug, m); }
  void info(std::string_view m) { write(LogLevel::info, m); }
  void warn(std::string_view m) { write(LogLevel::warn, m); }
  void error(std::string_view m) { write(LogLevel::error, m); }
};

}  // namespace billcheck
