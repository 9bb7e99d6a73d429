// A thread's own state that stays usable until the thread is gone. A
// thread_local with a destructor is destroyed when its thread ends: for the
// main thread that is inside exit(), before the atexit handlers and static
// destructors run, and those may still call the library (a host's clean-up
// through the C API, a runtime shutting down). Calls made after that get a
// T made then and never freed (one per thread, made only while it ends),
// instead of the destroyed one's freed memory.
#pragma once

namespace billcheck::detail {

/// `ThreadState<T>::get()`: the calling thread's T (one per T and thread).
template <class T>
class ThreadState {
 public:
  static T& get() {
    if (!gone_) return own_.value;
    if (!late_) late_ = new T();
    return *late_;
  }
  /// Whether the thread's own T is destroyed (its thread is ending).
  static bool gone() { return gone_; }

 private:
  struct Own {
    T value;
    ~Own() { gone_ = true; }
  };
  static inline thread_local bool gone_ = false;  // trivially destructible: readable until the thread is gone
  static inline thread_local Own own_;
  static inline thread_local T* late_ = nullptr;
};

}  // namespace billcheck::detail
