// What the HTML pages share (the check report, the record's trends).
#pragma once

#include <string>
#include <string_view>

namespace billcheck::detail {

/// The Content-Security-Policy source of an inline <style> or <script>
/// (`sha256-BASE64`), so a page allows exactly the bytes it carries.
std::string csp_hash(std::string_view text);

}  // namespace billcheck::detail
