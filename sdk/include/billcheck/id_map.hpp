// A flat index from Text ids to numbers (a record's place, a group's): how
// the Book indexes records by id, and how the LEDES loader finds the invoice a
// line belongs to. Header-only.
#pragma once

#include <billcheck/text.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace billcheck {

/// The 32 bits of text_hash that every Text carries: a table keyed by record
/// texts hashes nothing while it is built.
inline std::uint32_t hash_id(std::string_view s) { return static_cast<std::uint32_t>(text_hash(s)); }
inline std::uint32_t hash_id(Text s) { return s.hash(); }

/// An index from record ids (the book's own records' Texts) to numbers (a
/// record's place, a group's): one flat array probed linearly, built once and
/// then only read. Rules look ids up millions of times; a node-based map cost a
/// cache miss per look-up. A slot is 8 bytes, the id's hash and its number: the
/// id itself is read from the record the number names, through `key_of(number)`,
/// only when the hashes agree (a string_view key and a pointer made a slot 40
/// bytes, 40 MB of a 1M-line book; the key beside the hash, 16).
class IdMap {
 public:
  void reserve(std::size_t n) {
    std::size_t capacity = 16;
    while (capacity < n * 2) capacity *= 2;
    if (capacity > slots_.size()) rehash(capacity);
  }

  /// The number for `key`, 0 when new (the caller then sets it); `added` says which.
  template <class KeyOf>
  std::uint32_t& emplace(Text key, bool& added, KeyOf key_of) {
    if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? 16 : slots_.size() * 2);
    const std::uint32_t h = hash_id(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.value == kUnused) {
        slot = {h, 0};
        ++size_;
        added = true;
        return slot.value;
      }
      if (slot.hash == h && key_of(slot.value) == key) {
        added = false;
        return slot.value;
      }
    }
  }

  /// Starts fetching into the cache the slot where `key` is looked up, for a
  /// find or emplace some work later: a new id's look-up in a large table
  /// otherwise waits on memory.
  void prefetch(Text key) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash_id(key) & mask_]);
  }

  template <class K, class KeyOf>
  const std::uint32_t* find(K key, KeyOf key_of) const {
    if (slots_.empty()) return nullptr;
    const std::uint32_t h = hash_id(key);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.value == kUnused) return nullptr;
      if (slot.hash == h && key_of(slot.value) == key) return &slot.value;
    }
  }

 private:
  static constexpr std::uint32_t kUnused = 0xffffffffu;  // no record or group has this number
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t value = kUnused;
  };

  void rehash(std::size_t capacity) {
    std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(capacity));
    mask_ = capacity - 1;
    for (const Slot& slot : old) {
      if (slot.value == kUnused) continue;
      std::size_t i = slot.hash & mask_;
      while (slots_[i].value != kUnused) i = (i + 1) & mask_;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

}  // namespace billcheck
