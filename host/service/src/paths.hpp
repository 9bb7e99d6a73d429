// Route paths with parameters (`/v1/findings/{fingerprint}`): one matcher for
// the routing, httplib's registration and the metrics' route label.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace billcheck::service {

/// Whether `path` fits `pattern`, segment by segment, a `{name}` segment
/// taking any one non-empty segment; `values` gets those segments in order.
inline bool path_matches(std::string_view pattern, std::string_view path, std::vector<std::string>* values = nullptr) {
  if (values) values->clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const auto p_end = std::min(pattern.find('/'), pattern.size());
    const auto s_end = std::min(path.find('/'), path.size());
    const std::string_view p = pattern.substr(0, p_end), s = path.substr(0, s_end);
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (s.empty()) return false;
      if (values) values->emplace_back(s);
    } else if (p != s) {
      return false;
    }
    pattern.remove_prefix(p_end);
    path.remove_prefix(s_end);
  }
  return true;
}

/// The pattern as the regular expression httplib registers: each `{name}`
/// becomes one captured segment.
inline std::string path_regex(std::string_view pattern) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      i = pattern.find('}', i);
      out += "([^/]+)";
    } else {
      out += pattern[i];
    }
  }
  return out;
}

}  // namespace billcheck::service
