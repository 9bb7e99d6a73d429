// A stand-in for libFuzzer where the clang build is not at hand: runs a
// harness on random mutations of its seed corpus (deletions, inserted JSON and
// LEDES tokens, changed bytes, copied spans). Not part of the build; with GCC
// against build/:
//
//   g++ -std=c++20 -O1 -g -Ihost/include -Isdk/include -Ihost/src -Ibuild/sdk/include \
//     fuzz/fuzz_json.cpp fuzz/mutate_driver.cpp -Lbuild/lib -lbillcheck_engine -lbillcheck_sdk \
//     -Wl,-rpath,$PWD/build/lib -o /tmp/fuzz_json
//   /tmp/fuzz_json fuzz/corpus/json SEED RUNS
//
// A harness that traps (a difference between two ways of reading) stops the
// run; the input it stopped on is left in /tmp/fuzz-input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR SEED RUNS\n", argv[0]);
    return 2;
  }
  std::vector<std::string> corpus;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    corpus.push_back(bytes.str());
  }
  if (corpus.empty()) return 2;
  std::mt19937 random(static_cast<unsigned>(std::atoi(argv[2])));
  const long runs = std::atol(argv[3]);
  const char* tokens[] = {"}", ",", "]", "[", "{", "\"", "\\", "\n", " ", "},", "}]", ":", "null", "\"x\"", "[]", "|"};
  for (long run = 0; run < runs; ++run) {
    std::string input = corpus[random() % corpus.size()];
    for (int m = 0, changes = 1 + static_cast<int>(random() % 4); m < changes && !input.empty(); ++m) {
      const std::size_t at = random() % input.size();
      switch (random() % 4) {
        case 0: input.erase(at, 1 + random() % 3); break;
        case 1: input.insert(at, tokens[random() % std::size(tokens)]); break;
        case 2: input[at] = static_cast<char>(random()); break;
        default: input.insert(at, input.substr(random() % input.size(), random() % 40)); break;
      }
    }
    std::ofstream("/tmp/fuzz-input", std::ios::binary) << input;
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
  std::fprintf(stderr, "%ld inputs\n", runs);
  return 0;
}
