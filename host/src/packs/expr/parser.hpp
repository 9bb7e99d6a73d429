// The expression language's syntax: a CEL subset, tokenised and parsed (Pratt)
// into a tree whose every node knows where it was written.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace billcheck::expr {

/// How deeply an expression may nest; a deeper one is an error, not a crash.
inline constexpr int kMaxDepth = 64;

/// A problem in an expression at `offset` (bytes into its text), `length` long.
class ExprError : public std::runtime_error {
 public:
  ExprError(std::size_t offset, std::size_t length, const std::string& what)
      : std::runtime_error(what), offset_(offset), length_(length ? length : 1) {}
  std::size_t offset() const { return offset_; }
  std::size_t length() const { return length_; }

 private:
  std::size_t offset_, length_;
};

struct Ast {
  enum class K {
    number,   // text: the literal
    string,   // text: the value, escapes resolved
    boolean,  // text: true / false
    ident,    // text: the name
    member,   // kids[0].text
    index,    // kids[0][kids[1]]
    call,     // text(kids...)
    method,   // kids[0].text(kids[1..])
    unary,    // text: ! or -; kids[0]
    binary,   // text: the operator; kids[0], kids[1]
    ternary,  // kids[0] ? kids[1] : kids[2]
    list,     // [kids...]
  };
  K k;
  std::size_t pos = 0, len = 0;  // where the node's token is, for error carets
  std::string text;
  std::vector<std::unique_ptr<Ast>> kids;
  int depth = 1;
};

/// Parses one expression; throws ExprError on a syntax error or nesting deeper than kMaxDepth.
std::unique_ptr<Ast> parse(std::string_view text);

}  // namespace billcheck::expr
