// The one wording of a Decimal's overflow, for the engine's rules and the
// remedies alike: the book's figures, not billcheck, are what to look at.
#pragma once

#include <string>
#include <string_view>

namespace billcheck::detail {

/// "too large to work out exactly (CAUSE; the largest amount is ...)", CAUSE
/// being the DecimalOverflow's own text.
inline std::string too_large_to_work_out(std::string_view cause) {
  std::string out = "too large to work out exactly (";
  out += cause;
  out += "; the largest amount is 9223372036854.775807)";
  return out;
}

}  // namespace billcheck::detail
