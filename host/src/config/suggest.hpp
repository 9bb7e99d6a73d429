// "Did you mean ...?" for a mistyped name: a rule field, a function, a
// plugin or pack, a config key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace billcheck::detail {

/// The one of `names` within two edits of `wrong` (the closest), or empty.
std::string closest_name(std::string_view wrong, const std::vector<std::string_view>& names);

/// ` (did you mean 'x'?)` when one of `names` is close to `wrong`, else
/// ` (KIND: a, b, c)`, or nothing when `kind` is empty.
std::string suggest(std::string_view wrong, const std::vector<std::string_view>& names, std::string_view kind);

}  // namespace billcheck::detail
