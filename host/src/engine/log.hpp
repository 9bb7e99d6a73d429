// The host's logger: spdlog, on standard error only.
#pragma once

#include <billcheck/log.hpp>

#include <spdlog/spdlog.h>

#include <string>

namespace billcheck::detail {

spdlog::logger& logger();

/// The Log handed to plugins: forwards to the host's logger with a prefix.
class PluginLog final : public Log {
 public:
  explicit PluginLog(std::string prefix) : prefix_(std::move(prefix)) {}
  void write(LogLevel level, std::string_view message) override;

 private:
  std::string prefix_;
};

}  // namespace billcheck::detail
