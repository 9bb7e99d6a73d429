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

namespace billcheck {
namespace {

TEST(InputLimits, TheLimitComesFromBillcheckYamlAndAGoodSizeIsAccepted) {
  const std::filesystem::path dir = test::temp_dir("limit-config");
  test::write_file(dir / "small.yaml", "limits:\n  max_file_size: 1K\n");
  auto r = test::run_billcheck("check examples/firm -c " + test::shell_quoted(dir / "small.yaml"));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr("over the limit of 1024 bytes for one book file; split the book, or raise "
                                          "limits.max_file_size in billcheck.yaml"));
  test::write_file(dir / "bad.yaml", "limits:\n  max_file_size: lots\n");
  r = test::run_billcheck("check examples/firm -c " + test::shell_quoted(dir / "bad.yaml"));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, ::testing::HasSubstr("bad.yaml:2:18: limits.max_file_size: 'lots' is not a size"));
  test::write_file(dir / "big.yaml", "limits:\n  max_file_size: 1G\n");
  EXPECT_EQ(test::run_billcheck("check examples/firm -c " + test::shell_quoted(dir / "big.yaml")).status, 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
