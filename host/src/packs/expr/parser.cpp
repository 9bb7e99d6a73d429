#include "packs/expr/parser.hpp"

#include <algorithm>

namespace billcheck::expr {
namespace {

struct Token {
  enum class T { end, number, string, ident, op } t = T::end;
  std::size_t pos = 0, len = 0;
  std::string text;  // the literal, the name, the operator, or the string's value
};

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string quote_char(char c) {
  if (static_cast<unsigned char>(c) < 0x20) return "a control character";
  return std::string("'") + c + "'";
}

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    Token t;
    t.pos = i;
    if (is_digit(c)) {
      std::size_t j = i;
      while (j < s.size() && is_digit(s[j])) ++j;
      if (j + 1 < s.size() && s[j] == '.' && is_digit(s[j + 1])) {
        ++j;
        while (j < s.size() && is_digit(s[j])) ++j;
      }
      if (j < s.size() && (is_ident_start(s[j])))
        throw ExprError(j, 1, "unexpected " + quote_char(s[j]) + " after a number");
      t.t = Token::T::number;
      t.text = std::string(s.substr(i, j - i));
      t.len = j - i;
      i = j;
    } else if (is_ident_start(c)) {
      std::size_t j = i;
      while (j < s.size() && (is_ident_start(s[j]) || is_digit(s[j]))) ++j;
      t.t = Token::T::ident;
      t.text = std::string(s.substr(i, j - i));
      t.len = j - i;
      i = j;
    } else if (c == '\'' || c == '"') {
      std::size_t j = i + 1;
      std::string value;
      for (;;) {
        if (j >= s.size() || s[j] == '\n')
          throw ExprError(i, 1, "unterminated string: add the closing " + std::string(1, c));
        if (s[j] == c) break;
        if (s[j] == '\\') {
          if (j + 1 >= s.size()) throw ExprError(j, 1, "unterminated string: add the closing " + std::string(1, c));
          char e = s[j + 1];
          switch (e) {
            case 'n': value += '\n'; break;
            case 't': value += '\t'; break;
            case 'r': value += '\r'; break;
            case '\\':
            case '\'':
            case '"': value += e; break;
            default:  // kept as written, so that regular expressions read naturally: '\btravel'
              value += '\\';
              value += e;
          }
          j += 2;
          continue;
        }
        value += s[j++];
      }
      t.t = Token::T::string;
      t.text = std::move(value);
      t.len = j + 1 - i;
      i = j + 1;
    } else {
      static constexpr std::string_view kTwo[] = {"&&", "||", "==", "!=", "<=", ">="};
      static constexpr std::string_view kOne = "+-*/%!<>?:()[].,";
      std::string_view two = s.substr(i, 2);
      if (std::find(std::begin(kTwo), std::end(kTwo), two) != std::end(kTwo)) {
        t.text = std::string(two);
      } else if (kOne.find(c) != std::string_view::npos) {
        t.text = std::string(1, c);
      } else if (c == '=') {
        throw ExprError(i, 1, "'=' is not an operator: use '==' to compare");
      } else if (c == '&') {
        throw ExprError(i, 1, "'&' is not an operator: use '&&' for 'and'");
      } else if (c == '|') {
        throw ExprError(i, 1, "'|' is not an operator: use '||' for 'or'");
      } else {
        throw ExprError(i, 1, "unexpected " + quote_char(c));
      }
      t.t = Token::T::op;
      t.len = t.text.size();
      i += t.len;
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.pos = s.size();
  end.len = 1;
  out.push_back(end);
  return out;
}

constexpr int kTernaryBp = 1;
constexpr int kPrefixBp = 7;

int infix_bp(const Token& t) {
  if (t.t == Token::T::ident) return t.text == "in" ? 4 : 0;
  if (t.t != Token::T::op) return 0;
  const std::string& o = t.text;
  if (o == "?") return kTernaryBp;
  if (o == "||") return 2;
  if (o == "&&") return 3;
  if (o == "==" || o == "!=" || o == "<" || o == "<=" || o == ">" || o == ">=") return 4;
  if (o == "+" || o == "-") return 5;
  if (o == "*" || o == "/" || o == "%") return 6;
  return 0;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : toks_(tokenize(text)) {}

  std::unique_ptr<Ast> parse_all() {
    auto e = expr(0, 1);
    const Token& t = peek();
    if (t.t != Token::T::end) {
      if (t.t == Token::T::ident && (t.text == "and" || t.text == "or"))
        throw ExprError(t.pos, t.len, "unexpected '" + t.text + "': use " + (t.text == "and" ? "'&&'" : "'||'"));
      throw ExprError(t.pos, t.len, "unexpected " + describe(t) + " after a complete expression");
    }
    return e;
  }

 private:
  const Token& peek() const { return toks_[at_]; }
  const Token& next() { return toks_[at_ < toks_.size() - 1 ? at_++ : at_]; }
  bool is_op(const Token& t, std::string_view o) const { return t.t == Token::T::op && t.text == o; }

  static std::string describe(const Token& t) {
    switch (t.t) {
      case Token::T::end: return "end of expression";
      case Token::T::number: return "number " + t.text;
      case Token::T::string: return "string";
      case Token::T::ident: return "'" + t.text + "'";
      case Token::T::op: return "'" + t.text + "'";
    }
    return "token";
  }

  void expect(std::string_view o, std::string_view why) {
    const Token& t = peek();
    if (!is_op(t, o))
      throw ExprError(t.pos, t.len, "expected '" + std::string(o) + "' " + std::string(why) + ", found " + describe(t));
    next();
  }

  static void guard(int depth, const Token& t) {
    if (depth > kMaxDepth)
      throw ExprError(t.pos, t.len, "expression nests too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
  }

  static std::unique_ptr<Ast> node(Ast::K k, const Token& t, std::string text = {}) {
    auto a = std::make_unique<Ast>();
    a->k = k;
    a->pos = t.pos;
    a->len = t.len;
    a->text = text.empty() ? t.text : std::move(text);
    return a;
  }

  static std::unique_ptr<Ast> adopt(std::unique_ptr<Ast> parent, std::unique_ptr<Ast> kid) {
    parent->depth = std::max(parent->depth, kid->depth + 1);
    if (parent->depth > kMaxDepth)
      throw ExprError(parent->pos, parent->len,
                      "expression nests too deeply (more than " + std::to_string(kMaxDepth) + " levels)");
    parent->kids.push_back(std::move(kid));
    return parent;
  }

  std::unique_ptr<Ast> expr(int min_bp, int depth) {
    guard(depth, peek());
    auto lhs = prefix(depth);
    for (;;) {
      const Token& t = peek();
      int bp = infix_bp(t);
      if (bp <= min_bp) break;
      Token op = next();
      if (op.text == "?") {
        auto n = node(Ast::K::ternary, op);
        n = adopt(std::move(n), std::move(lhs));
        n = adopt(std::move(n), expr(0, depth + 1));
        expect(":", "after the true branch of '? :'");
        n = adopt(std::move(n), expr(kTernaryBp - 1, depth + 1));
        lhs = std::move(n);
        continue;
      }
      auto n = node(Ast::K::binary, op);
      n = adopt(std::move(n), std::move(lhs));
      n = adopt(std::move(n), expr(bp, depth + 1));
      lhs = std::move(n);
    }
    return lhs;
  }

  std::vector<std::unique_ptr<Ast>> args(int depth, std::string_view close, std::string_view what) {
    std::vector<std::unique_ptr<Ast>> out;
    if (is_op(peek(), close)) {
      next();
      return out;
    }
    for (;;) {
      out.push_back(expr(0, depth + 1));
      if (is_op(peek(), ",")) {
        next();
        if (is_op(peek(), close)) break;  // a trailing comma
        continue;
      }
      break;
    }
    expect(close, std::string("to close ") + std::string(what));
    return out;
  }

  std::unique_ptr<Ast> prefix(int depth) {
    const Token& t = next();
    std::unique_ptr<Ast> e;
    switch (t.t) {
      case Token::T::end: throw ExprError(t.pos, t.len, "unexpected end of expression");
      case Token::T::number: e = node(Ast::K::number, t); break;
      case Token::T::string: e = node(Ast::K::string, t); break;
      case Token::T::ident:
        if (t.text == "true" || t.text == "false") {
          e = node(Ast::K::boolean, t);
        } else if (t.text == "in") {
          throw ExprError(t.pos, t.len, "unexpected 'in': it goes between a value and a list");
        } else if (is_op(peek(), "(")) {
          Token name = t;
          next();
          e = node(Ast::K::call, name);
          for (auto& a : args(depth, ")", "the arguments of " + name.text + "()"))
            e = adopt(std::move(e), std::move(a));
        } else {
          e = node(Ast::K::ident, t);
        }
        break;
      case Token::T::op:
        if (t.text == "(") {
          e = expr(0, depth + 1);
          expect(")", "to close '('");
        } else if (t.text == "[") {
          e = node(Ast::K::list, t);
          for (auto& a : args(depth, "]", "the list")) e = adopt(std::move(e), std::move(a));
        } else if (t.text == "!" || t.text == "-") {
          e = node(Ast::K::unary, t);
          e = adopt(std::move(e), expr(kPrefixBp, depth + 1));
          return e;  // postfix operators bound inside the operand already
        } else {
          throw ExprError(t.pos, t.len, "unexpected '" + t.text + "'");
        }
        break;
    }
    return postfix(std::move(e), depth);
  }

  std::unique_ptr<Ast> postfix(std::unique_ptr<Ast> e, int depth) {
    for (;;) {
      const Token& t = peek();
      if (is_op(t, ".")) {
        next();
        const Token& name = next();
        if (name.t != Token::T::ident)
          throw ExprError(name.pos, name.len, "expected a field or function name after '.', found " + describe(name));
        if (is_op(peek(), "(")) {
          Token n = name;
          next();
          auto m = node(Ast::K::method, n);
          m = adopt(std::move(m), std::move(e));
          for (auto& a : args(depth, ")", "the arguments of " + n.text + "()")) m = adopt(std::move(m), std::move(a));
          e = std::move(m);
        } else {
          auto m = node(Ast::K::member, name);
          e = adopt(std::move(m), std::move(e));
        }
      } else if (is_op(t, "[")) {
        Token open = next();
        auto ix = node(Ast::K::index, open);
        ix = adopt(std::move(ix), std::move(e));
        ix = adopt(std::move(ix), expr(0, depth + 1));
        expect("]", "to close '['");
        e = std::move(ix);
      } else {
        return e;
      }
    }
  }

  std::vector<Token> toks_;
  std::size_t at_ = 0;
};

}  // namespace

std::unique_ptr<Ast> parse(std::string_view text) { return Parser(text).parse_all(); }

}  // namespace billcheck::expr
