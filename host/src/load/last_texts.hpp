// The Text each text column got in the record read before, for a loader that
// reads records one after another: a value that repeats it (an invoice's number
// on each of its lines, the line type, the task and activity codes, the
// currency) takes the same Text without asking the store. Asking was a call,
// the store's check of its recent texts and, for a description, a hash and a
// copy: a quarter of a CSV load's instructions.
#pragma once

#include "load/scan.hpp"
#include "schema/columns.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace billcheck::detail {

template <class T>
class LastTexts {
 public:
  /// Room for `n` places (a CSV file's cells, or an entity's columns).
  explicit LastTexts(std::size_t n) : last_(n) {}

  /// Whether `value` is the text last set at place `i`.
  bool repeats(std::size_t i, std::string_view value) const {
    const Text before = last_[i];
    return before.size() == value.size() && scan::same_bytes(before.data(), value.data(), value.size());
  }

  /// The Text last set at place `i` (empty: none), for a block's Column::fill.
  Text& at(std::size_t i) { return last_[i]; }

  /// column.set(record, value, store, why), remembered at place `i`; a value
  /// that repeats the last one set there (which passed set()'s checks) is put
  /// as the Text made for it then. A refused value is not remembered.
  bool set(const fields::Column<T>& column, std::size_t i, T& record, std::string_view value, TextStore& store,
           std::string& why) {
    if (column.put_text && repeats(i, value)) {
      column.put_text(record, last_[i]);
      return true;
    }
    if (!column.set(record, value, store, why)) return false;
    if (column.put_text) last_[i] = column.text_of(record);
    return true;
  }

 private:
  std::vector<Text> last_;
};

}  // namespace billcheck::detail
