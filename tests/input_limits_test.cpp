// Inputs billcheck refuses before reading a byte: what is not a regular file
// (reading a FIFO blocks, /dev/zero never ends) and a file over the size limit.
#include "test_support.hpp"

#include <billcheck/load.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> load_errors(const fs::path& path, const LoadOptions& options = {}) {
  try {
    load_book(path, options);
  } catch (const BookError& e) {
    return e.messages();
  }
  return {};
}

TEST(InputLimits, ADeviceIsRefusedNotReadForever) {
  EXPECT_THAT(load_errors("/dev/zero"),
              ElementsAre("/dev/zero: is a character device, not a file billcheck reads; give a book file or folder "
                          "(or - for standard input)"));
}

TEST(InputLimits, AFifoInABookFolderIsRefusedWithoutBlocking) {
  const fs::path dir = test::temp_dir("fifo-book");
  fs::copy(test::source_dir() / "examples" / "firm", dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  fs::remove(dir / "payments.csv");
  ASSERT_EQ(::mkfifo((dir / "payments.csv").c_str(), 0600), 0);
  EXPECT_THAT(load_errors(dir), ElementsAre((dir / "payments.csv").string() +
                                            ": is a FIFO (named pipe), not a file billcheck reads; give a book file "
                                            "or folder (or - for standard input)"));
  fs::remove_all(dir);
}

TEST(InputLimits, AFileOverTheLimitIsRefusedBeforeItIsRead) {
  LoadOptions options;
  options.max_file_bytes = 1 << 20;
  const fs::path dir = test::temp_dir("big-book");
  test::write_file(dir / "book.json", "{\"invoices\": [" + std::string((1 << 20) + 10, ' ') + "]}");
  EXPECT_THAT(load_errors(dir / "book.json", options),
              ElementsAre((dir / "book.json").string() + ": is 1048602 bytes, over the limit of 1 MiB for one book "
                                                         "file; split the book, or raise limits.max_file_size in "
                                                         "billcheck.yaml"));
  options.max_file_bytes = 2 << 20;
  EXPECT_THAT(load_errors(dir / "book.json", options), ElementsAre());
  fs::remove_all(dir);
}

TEST(InputLimits, TheCliSaysSoAndExits2) {
  auto r = test::run_billcheck("check /dev/zero");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("/dev/zero: is a character device, not a file billcheck reads"));
}

}  // namespace
}  // namespace billcheck
