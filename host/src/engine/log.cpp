#include "engine/log.hpp"

#include <billcheck/engine.hpp>

#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>

namespace billcheck {
namespace detail {

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> instance = [] {
    auto l = std::make_shared<spdlog::logger>("billcheck", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("billcheck: %l: %v");
    l->set_level(spdlog::level::warn);
    return l;
  }();
  return *instance;
}

void PluginLog::write(LogLevel level, std::string_view message) {
  static constexpr spdlog::level::level_enum kLevels[] = {spdlog::level::debug, spdlog::level::info,
                                                          spdlog::level::warn, spdlog::level::err};
  logger().log(kLevels[static_cast<int>(level)], "{}{}", prefix_, message);
}

}  // namespace detail

void set_log_verbosity(int level) {
  static constexpr spdlog::level::level_enum kLevels[] = {spdlog::level::off, spdlog::level::warn,
                                                          spdlog::level::info, spdlog::level::debug};
  detail::logger().set_level(kLevels[std::clamp(level, -1, 2) + 1]);
}

}  // namespace billcheck
