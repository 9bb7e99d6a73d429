// Not a billcheck plugin: a library whose constructor leaves a mark, to prove
// the host refuses it from its bytes alone, before the dynamic loader runs it.
#include <cstdio>
#include <cstdlib>

__attribute__((constructor)) static void leave_mark() {
  if (const char* path = std::getenv("BILLCHECK_TEST_CONSTRUCTOR_MARK")) {
    if (std::FILE* f = std::fopen(path, "w")) std::fclose(f);
  }
}

extern "C" int constructor_library_answer() { return 42; }
