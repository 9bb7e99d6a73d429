// Output files: replaced only by a run that wrote them whole, and every write
// checked, so a full disk is exit 2 with the path and the reason.
#include "test_support.hpp"

#include <billcheck/output.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace billcheck {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::size_t entries_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

TEST(WriteOutput, AWriterThatFailsLeavesTheOldFileAndNoTemporary) {
  auto dir = test::temp_dir("output-fails");
  test::write_file(dir / "report.json", "OLD");
  EXPECT_THROW(write_output(dir / "report.json",
                            [](std::ostream& out) {
                              out << "half a rep";
                              throw std::runtime_error("the writer failed");
                            }),
               std::runtime_error);
  EXPECT_EQ(test::slurp(dir / "report.json"), "OLD");
  EXPECT_EQ(entries_in(dir), 1u);
  fs::remove_all(dir);
}

TEST(WriteOutput, ASuccessfulWriteReplacesTheFile) {
  auto dir = test::temp_dir("output-ok");
  test::write_file(dir / "report.json", "OLD");
  write_output(dir / "report.json", [](std::ostream& out) { out << "NEW"; });
  EXPECT_EQ(test::slurp(dir / "report.json"), "NEW");
  EXPECT_EQ(entries_in(dir), 1u);
  fs::remove_all(dir);
}

TEST(WriteOutput, AFullDeviceIsAnOutputErrorWithThePathAndReason) {
  try {
    write_output("/dev/full", [](std::ostream& out) { out << std::string(100000, 'x'); });
    FAIL() << "no error";
  } catch (const OutputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot write /dev/full: No space left on device"));
  }
}

TEST(CliOutput, ReportToAFullDeviceExitsTwoWithPathAndReason) {
  auto r = test::run_billcheck("check examples/firm -o /dev/full");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("billcheck: cannot write /dev/full: No space left on device"));
}

TEST(CliOutput, StandardOutputOnAFullDeviceExitsTwo) {
  const std::string cmd = "cd '" + test::source_dir().string() + "' && '" + BILLCHECK_EXE +
                          "' check examples/firm >/dev/full 2>/dev/null";
  const int raw = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(raw), 2);
  const std::string rules = "'" + std::string(BILLCHECK_EXE) + "' rules >/dev/full 2>/dev/null";
  EXPECT_EQ(WEXITSTATUS(std::system(rules.c_str())), 2);
}

TEST(CliOutput, DevStdoutIsWrittenInPlaceEvenWhenItIsAFile) {
  auto dir = test::temp_dir("dev-stdout");
  test::write_file(dir / "out.txt", "before\n");
  const std::string cmd = "cd '" + test::source_dir().string() + "' && '" + BILLCHECK_EXE +
                          "' check tests/data/cli/clean -o /dev/stdout >>'" + (dir / "out.txt").string() + "'";
  EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 0);
  const std::string out = test::slurp(dir / "out.txt");
  EXPECT_EQ(out.rfind("before\n", 0), 0u) << out;  // appended to, not replaced
  EXPECT_THAT(out, HasSubstr("No billing errors found."));
  fs::remove_all(dir);
}

TEST(CliOutput, RulePagesThatCannotBeWrittenExitTwoWithThePath) {
  auto dir = test::temp_dir("markdown-blocked");
  test::write_file(dir / "file", "a file where the folder should go");
  auto r = test::run_billcheck("rules --markdown '" + (dir / "file" / "rules").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot write " + (dir / "file" / "rules").string() + ": Not a directory"));
  fs::remove_all(dir);
}

TEST(CliOutput, ConvertToAFullDeviceExitsTwo) {
  auto dir = test::temp_dir("convert-full");
  fs::create_symlink("/dev/full", dir / "book.json");
  auto r = test::run_billcheck("convert examples/firm '" + (dir / "book.json").string() + "' --force");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot write " + (dir / "book.json").string() + ": No space left on device"));
  fs::remove_all(dir);
}

// A link planted where an output goes must not steer the write onto another
// file: refused, the file it points at untouched, unless --force.
TEST(CliOutput, ASymbolicLinkAsOutputIsRefusedUnlessForced) {
  auto dir = test::temp_dir("output-symlink");
  test::write_file(dir / "precious.txt", "KEEP ME");
  fs::create_symlink(dir / "precious.txt", dir / "report.txt");
  const std::string link = "'" + (dir / "report.txt").string() + "'";
  for (const std::string& command :
       {"check examples/firm --fail-on never -o " + link, "explain examples/firm --invoice HR-115 -o " + link,
        "convert examples/firm " + link.substr(0, link.size() - 5) + ".json'"}) {
    if (command.rfind("convert", 0) == 0) fs::create_symlink(dir / "precious.txt", dir / "report.json");
    auto r = test::run_billcheck(command);
    EXPECT_EQ(r.status, 2) << command;
    EXPECT_THAT(r.err, HasSubstr("it is a symbolic link (to " + (dir / "precious.txt").string() +
                                 "); billcheck does not write through a link unless told to (--force)"))
        << command;
    EXPECT_EQ(test::slurp(dir / "precious.txt"), "KEEP ME") << command;
  }
  auto r = test::run_billcheck("check examples/firm --fail-on never --force -o " + link);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(test::slurp(dir / "precious.txt"), HasSubstr("Invoice HR-115"));
  EXPECT_TRUE(fs::is_symlink(dir / "report.txt"));
  fs::remove_all(dir);
}

TEST(WriteOutput, ASymbolicLinkIsWrittenThroughOnlyWhenAllowed) {
  auto dir = test::temp_dir("output-link-api");
  test::write_file(dir / "target", "OLD");
  fs::create_symlink(dir / "target", dir / "link");
  EXPECT_THROW(write_output(dir / "link", [](std::ostream& out) { out << "NEW"; }), OutputError);
  EXPECT_EQ(test::slurp(dir / "target"), "OLD");
  write_output(dir / "link", [](std::ostream& out) { out << "NEW"; }, OutputOptions{true});
  EXPECT_EQ(test::slurp(dir / "target"), "NEW");
  EXPECT_TRUE(fs::is_symlink(dir / "link"));
  fs::remove_all(dir);
}

TEST(CliOutput, AReportFileIsNotTruncatedByARunThatFails) {
  auto dir = test::temp_dir("output-kept");
  // Invalid UTF-8 in a client id, which the report shows: a run that fails,
  // at load or when writing JSON.
  test::write_file(dir / "book" / "invoices.csv",
                   "invoice_id,client_id,issue_date,currency,total\nI1,C\xff\xfe,2026-01-05,USD,12\n");
  test::write_file(dir / "book" / "invoice_lines.csv",
                   "invoice_id,line_no,type,description,quantity,rate,amount\nI1,1,expense,courier,1,10,12\n");
  test::write_file(dir / "report.json", "OLD REPORT");
  auto r = test::run_billcheck("check '" + (dir / "book").string() + "' --format json -o '" +
                               (dir / "report.json").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(test::slurp(dir / "report.json"), "OLD REPORT");
  fs::remove_all(dir);
}

// An output (-o) that is what the command reads is refused before anything is
// read or written: the book, a .csv of its folder, the config, the store.
TEST(CliOutput, AnOutputThatIsAnInputIsRefusedAndTheInputKept) {
  const fs::path dir = test::temp_dir("output-over-input");
  fs::copy(test::source_dir() / "examples" / "firm", dir / "book", fs::copy_options::recursive);
  const std::string book = (dir / "book").string();
  const std::string invoices = test::slurp(dir / "book" / "invoices.csv");
  const std::string config = test::slurp(dir / "book" / "billcheck.yaml");

  auto r = test::run_billcheck("check '" + book + "' -o '" + book + "/invoices.csv'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "billcheck: " + book +
                       "/invoices.csv: is a .csv file in the book's folder, where every .csv file is read as a "
                       "table; write it outside that folder\n");
  EXPECT_EQ(test::slurp(dir / "book" / "invoices.csv"), invoices);
  r = test::run_billcheck("check '" + book + "' -o '" + book + "/billcheck.yaml'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("billcheck.yaml: is the config this command reads; write the output to another file"));
  EXPECT_EQ(test::slurp(dir / "book" / "billcheck.yaml"), config);
  // A store the run would create is the output's path too.
  r = test::run_billcheck("check '" + book + "' --store '" + (dir / "record.db").string() + "' -o '" +
                          (dir / "." / "record.db").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("record.db: is the store this command records in; write the output to another file"));
  EXPECT_FALSE(fs::exists(dir / "record.db"));

  ASSERT_EQ(test::run_billcheck("-q convert '" + book + "' '" + (dir / "book.json").string() + "'").status, 0);
  const std::string json = test::slurp(dir / "book.json");
  for (const std::string command : {"check", "letter --client C-100", "explain --invoice NW-2025-07"}) {
    r = test::run_billcheck(command.substr(0, command.find(' ')) + " '" + (dir / "book.json").string() + "'" +
                            (command.find(' ') == std::string::npos ? "" : command.substr(command.find(' '))) +
                            " -o '" + (dir / "book.json").string() + "'");
    EXPECT_EQ(r.status, 2) << command;
    EXPECT_THAT(r.err, HasSubstr("book.json: is the book itself; write the output to another file")) << command;
    EXPECT_EQ(test::slurp(dir / "book.json"), json) << command;
  }
  // A report beside the tables that is not a .csv is written.
  r = test::run_billcheck("check '" + book + "' --format json -o '" + book + "/report.json'");
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(fs::exists(dir / "book" / "report.json"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace billcheck
