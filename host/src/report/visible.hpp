// Text from a book, a request or a plugin, as a terminal or a log may show it.
#pragma once

#include <string>
#include <string_view>

namespace billcheck::detail {

/// What `visible` leaves as it is besides printable UTF-8.
struct Visibility {
  bool line_breaks = false;     // keep LF and tab (a multi-line message, a letter); CR is always escaped
  bool backslashes = true;      // keep `\`; false writes `\\`, so that an escape cannot be forged (the service)
};

/// `text` with each control character (C0, DEL, and the C1 controls U+0080 to
/// U+009F) and each byte that is not UTF-8 written as `\xNN` (ESC as `\x1B`,
/// a bare CR as `\x0D`, U+009B as `\xC2\x9B`), so that a NUL does not cut a
/// message short and ESC [ 2 J in a description does not clear the screen of
/// whoever reads the report. Printable text, UTF-8 included, is unchanged.
std::string visible(std::string_view text, Visibility keep = {});

}  // namespace billcheck::detail
