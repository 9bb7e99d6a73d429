// Reading a book from one JSON object of entity arrays.
//
// The text goes through nlohmann::json's SAX interface rather than a DOM so that
// numbers reach the shared field setters as their original text (never through
// a double) and every record knows the line it starts on.
#include <billcheck/load.hpp>

#include "load/encoding.hpp"
#include "schema/columns.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

namespace billcheck {
namespace {

using fields::Entity;
using json = nlohmann::json;

/// A char iterator that counts the line breaks it steps over, so the SAX
/// handler can tell on which line each event happens.
class LineCountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  LineCountingIterator(const char* p, std::uint32_t* newlines) : p_(p), newlines_(newlines) {}
  reference operator*() const { return *p_; }
  LineCountingIterator& operator++() {
    if (*p_ == '\n') ++*newlines_;
    ++p_;
    return *this;
  }
  LineCountingIterator operator++(int) {
    LineCountingIterator before = *this;
    ++*this;
    return before;
  }
  friend bool operator==(const LineCountingIterator& a, const LineCountingIterator& b) { return a.p_ == b.p_; }

 private:
  const char* p_;
  std::uint32_t* newlines_;
};

/// One entity's records as the handler fills them, with the entity's type erased.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual std::string_view name() const = 0;
  virtual int find(std::string_view column) const = 0;
  virtual std::string_view column_name(int slot) const = 0;
  virtual void begin(std::string_view file, std::uint32_t line) = 0;
  virtual bool set(int slot, std::string_view text, std::string& why) = 0;
  virtual void extra(const std::string& key, std::string_view text) = 0;
  virtual void end(std::uint32_t seen, std::string_view file, std::uint32_t line,
                   std::vector<std::string>& errors) = 0;
};

template <class T>
class EntitySink final : public RecordSink {
 public:
  EntitySink(const Entity<T>& entity, BookData& data)
      : entity_(entity), records_(data.*entity.records), required_(entity.required_mask()) {}

  std::string_view name() const override { return entity_.name; }
  int find(std::string_view column) const override { return entity_.find(column); }
  std::string_view column_name(int slot) const override {
    return entity_.columns[static_cast<std::size_t>(slot)].name;
  }
  void begin(std::string_view file, std::uint32_t line) override {
    current_ = &records_.emplace_back();
    current_->source = Source{file, line};
  }
  bool set(int slot, std::string_view text, std::string& why) override {
    return entity_.columns[static_cast<std::size_t>(slot)].set(*current_, text, why);
  }
  void extra(const std::string& key, std::string_view text) override {
    current_->extra.values.emplace_back(key, text);
  }
  void end(std::uint32_t seen, std::string_view file, std::uint32_t line,
           std::vector<std::string>& errors) override {
    fields::check_required(entity_, required_, seen, file, line, errors);
  }

 private:
  const Entity<T>& entity_;
  std::vector<T>& records_;
  std::uint32_t required_;
  T* current_ = nullptr;
};

template <class T>
std::unique_ptr<RecordSink> make_sink(const Entity<T>& entity, BookData& data) {
  return std::make_unique<EntitySink<T>>(entity, data);
}

/// The reason alone, e.g. `unexpected '}'; expected string literal` out of nlohmann's
/// `[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while parsing object - ...`
/// (the line is computed by the caller, from the byte position).
std::string syntax_reason(const std::string& what) {
  std::string_view s = what;
  if (s.starts_with("[json.exception.")) {
    if (auto close = s.find("] "); close != std::string_view::npos) s.remove_prefix(close + 2);
  }
  if (s.starts_with("parse error")) {
    if (auto colon = s.find(": "); colon != std::string_view::npos) s.remove_prefix(colon + 2);
  }
  constexpr std::string_view kPrefix = "syntax error while parsing ";
  if (s.starts_with(kPrefix)) {
    if (auto dash = s.find(" - "); dash != std::string_view::npos) s.remove_prefix(dash + 3);
  }
  return std::string(s);
}

/// Turns SAX events into records. Every problem is collected; only a syntax
/// error stops the parse.
class BookHandler {
 public:
  BookHandler(std::string_view text, std::string_view file, BookData& data, std::vector<std::string>& errors,
              const std::uint32_t& newlines)
      : text_(text), file_(file), errors_(errors), newlines_(newlines) {
    fields::for_each_entity([&](const auto& entity) { sinks_.push_back(make_sink(entity, data)); });
  }

  bool null() { return scalar({}, true); }
  bool boolean(bool value) { return scalar(value ? "true" : "false", false); }
  bool number_integer(json::number_integer_t value) { return integer(value); }
  bool number_unsigned(json::number_unsigned_t value) { return integer(value); }
  bool number_float(json::number_float_t /*binary value, unused*/, const json::string_t& text) {
    // The lexer writes the locale's decimal point into the token; put '.' back.
    number_.assign(text);
    for (char& c : number_)
      if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E')) c = '.';
    return scalar(number_, false);
  }
  bool string(json::string_t& value) { return scalar(value, false); }
  bool binary(json::binary_t& /*value*/) { return true; }

  bool start_object(std::size_t /*elements*/) { return open(true); }
  bool start_array(std::size_t /*elements*/) { return open(false); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(json::string_t& name) {
    if (skip_ > 0) return true;
    if (state_ == State::top) {
      sink_ = nullptr;
      for (const auto& s : sinks_)
        if (s->name() == name) sink_ = s.get();
      if (!sink_)
        errors_.push_back(fields::located(file_, line(), "unknown key '" + name + "' (a book's keys are " +
                                                             std::string(fields::kEntityNames) + ")"));
    } else if (state_ == State::record) {
      slot_ = sink_->find(name);
      key_.assign(name);
      key_line_ = line();
      in_value_ = true;
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/, const nlohmann::detail::exception& ex) {
    // `position` counts the offending character (and one past the end at the end of input).
    std::size_t before = std::min(position, text_.size());
    if (before > 0) --before;
    // A byte that is not UTF-8 stops the parser where it stands (inside a
    // string, or as a stray byte); name it rather than echo the parser's
    // message, which quotes the byte.
    if (std::size_t at = encoding::invalid_utf8_at(text_); at <= before) {
      utf8_error(at);
      return false;
    }
    errors_.push_back(fields::located(file_, line_at(before), "JSON syntax error: " + syntax_reason(ex.what())));
    return false;
  }

 private:
  enum class State { start, top, array, record, done };

  std::uint32_t line() const { return newlines_ + 1; }

  std::uint32_t line_at(std::size_t offset) const {
    return static_cast<std::uint32_t>(
        1 + std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
  }

  /// Reports the byte at `at`, which is not UTF-8: in a record's value, as that column's error.
  void utf8_error(std::size_t at) {
    // The string it is in starts after the last quote before it (a string holds no raw line break).
    const std::size_t line_start = text_.rfind('\n', at) + 1;  // npos + 1 == 0
    const std::size_t quote = text_.rfind('"', at);
    const std::size_t from = quote == std::string_view::npos || quote < line_start ? line_start : quote + 1;
    std::string what = encoding::utf8_problem(text_.substr(from), at - from);
    if (state_ == State::record && in_value_ && skip_ == 0)
      errors_.push_back(fields::column_error(file_, line_at(at), key_, what));
    else
      errors_.push_back(fields::located(file_, line_at(at), what));
  }

  bool integer(auto value) {
    char buffer[24];
    auto result = std::to_chars(std::begin(buffer), std::end(buffer), value);
    return scalar(std::string_view(buffer, static_cast<std::size_t>(result.ptr - buffer)), false);
  }

  bool scalar(std::string_view text, bool is_null) {
    if (skip_ > 0) return true;
    in_value_ = false;
    switch (state_) {
      case State::start:
        not_an_object();
        break;
      case State::top:  // null stands for no records, as it stands for no value
        if (sink_ && !is_null) errors_.push_back(fields::located(file_, line(), not_an_array()));
        break;
      case State::array:
        errors_.push_back(fields::located(file_, line(), element_not_an_object()));
        break;
      case State::record:
        value(text, is_null);
        break;
      case State::done:
        break;
    }
    return true;
  }

  void value(std::string_view text, bool is_null) {
    if (is_null || text.empty()) return;  // absent
    if (slot_ < 0) {
      sink_->extra(key_, text);
      return;
    }
    std::uint32_t bit = 1u << slot_;
    if (seen_ & bit) {
      errors_.push_back(fields::column_error(file_, key_line_, key_, "appears twice in the record; keep one"));
      return;
    }
    seen_ |= bit;
    if (!sink_->set(slot_, text, why_)) errors_.push_back(fields::column_error(file_, key_line_, key_, why_));
  }

  bool open(bool object) {
    in_value_ = false;
    if (skip_ > 0) {
      ++skip_;
      return true;
    }
    switch (state_) {
      case State::start:
        if (object) {
          state_ = State::top;
        } else {
          not_an_object();
        }
        break;
      case State::top:
        if (sink_ && !object) {
          state_ = State::array;
        } else {
          if (sink_) errors_.push_back(fields::located(file_, line(), not_an_array()));
          skip_ = 1;  // an unknown key's value, or a misplaced object
        }
        break;
      case State::array:
        if (object) {
          record_line_ = line();
          seen_ = 0;
          sink_->begin(file_, record_line_);
          state_ = State::record;
        } else {
          errors_.push_back(fields::located(file_, line(), element_not_an_object()));
          skip_ = 1;
        }
        break;
      case State::record:
        errors_.push_back(fields::column_error(
            file_, key_line_, key_,
            std::string("expected a string, number or boolean, not ") + (object ? "an object" : "an array")));
        if (slot_ >= 0) seen_ |= 1u << slot_;  // reported; not also "missing"
        skip_ = 1;
        break;
      case State::done:
        skip_ = 1;
        break;
    }
    return true;
  }

  bool close() {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    switch (state_) {
      case State::record:
        sink_->end(seen_, file_, record_line_, errors_);
        state_ = State::array;
        break;
      case State::array:
        state_ = State::top;
        break;
      case State::top:
        state_ = State::done;
        break;
      case State::start:
      case State::done:
        break;
    }
    return true;
  }

  void not_an_object() {
    errors_.push_back(fields::located(file_, line(),
                                      "the book must be a JSON object with the keys " +
                                          std::string(fields::kEntityNames) + ", each an array of objects"));
    state_ = State::done;
  }
  std::string not_an_array() const {
    return "'" + std::string(sink_->name()) + "' must be an array of objects, one per record";
  }
  std::string element_not_an_object() const {
    return "each element of '" + std::string(sink_->name()) + "' must be an object, one per record";
  }

  std::string_view text_;
  std::string_view file_;
  std::vector<std::string>& errors_;
  const std::uint32_t& newlines_;
  std::vector<std::unique_ptr<RecordSink>> sinks_;

  State state_ = State::start;
  int skip_ = 0;  // depth inside a value being skipped
  RecordSink* sink_ = nullptr;
  int slot_ = -1;
  std::string key_;
  std::uint32_t key_line_ = 0;
  std::uint32_t record_line_ = 0;
  std::uint32_t seen_ = 0;
  bool in_value_ = false;  // a record's key has been read, its value not yet
  std::string why_;
  std::string number_;
};

}  // namespace

BookData read_json_text(std::string_view text, const std::string& name) {
  BookData data;
  std::vector<std::string> errors;
  std::string_view file = data.intern_file(name);
  std::uint32_t newlines = 0;
  BookHandler handler(text, file, data, errors, newlines);
  json::sax_parse(LineCountingIterator(text.data(), &newlines),
                  LineCountingIterator(text.data() + text.size(), &newlines), &handler);
  if (!errors.empty()) throw BookError(std::move(errors));
  return data;
}

BookData read_json_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw BookError({file.string() + ": cannot read the file: " + std::strerror(errno)});
  std::string text;
  std::error_code ec;
  if (auto size = std::filesystem::file_size(file, ec); !ec) text.reserve(static_cast<std::size_t>(size));
  std::array<char, 1 << 16> chunk;
  while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0)
    text.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw BookError({file.string() + ": cannot read the file"});
  return read_json_text(text, file.string());
}

}  // namespace billcheck
