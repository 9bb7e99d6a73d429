#include "report/visible.hpp"

#include "load/encoding.hpp"

namespace billcheck::detail {

std::string visible(std::string_view text, Visibility keep) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  auto escape = [&](unsigned char c) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\') {
      out += keep.backslashes ? "\\" : "\\\\";
      ++i;
    } else if ((c == '\n' || c == '\t') && keep.line_breaks) {
      out += text[i++];
    } else if (c < 0x20 || c == 0x7F) {
      escape(c);
      ++i;
    } else if (c < 0x80) {
      out += text[i++];
    } else {
      // One character: its bytes are copied when they are UTF-8 and not a C1 control (U+0080 to U+009F).
      const std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      const std::string_view character = text.substr(i, len);
      const bool c1 = c == 0xC2 && character.size() == 2 && static_cast<unsigned char>(character[1]) < 0xA0;
      if (character.size() == len && encoding::is_utf8(character) && !c1) {
        out += character;
        i += len;
      } else {
        escape(c);
        ++i;
      }
    }
  }
  return out;
}

}  // namespace billcheck::detail
