// Writes a synthetic book: bench_gen_book DIR [LINES]
#include "synthetic_book.hpp"

#include <cstdlib>
#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_gen_book DIR [LINES (default 1000000)]\n";
    return 2;
  }
  std::size_t lines = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  billcheck::bench::write_synthetic_book(argv[1], lines);
  std::cout << "wrote " << lines << " invoice lines to " << argv[1] << '\n';
}
