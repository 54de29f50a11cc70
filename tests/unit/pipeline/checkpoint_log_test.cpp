// The checkpoint log of a checkpointed table: records come back as written, a torn last record
// (a crash while appending) is dropped and cut, another query's log is not used, a replacing
// record supersedes what came before.
#include "pipeline/checkpoint_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace parallax {
namespace {

RowBatch rows_of(std::vector<int32_t> ids, std::vector<std::string> names) {
  RowBatch batch;
  Column id(DataType::kInteger), name(DataType::kString);
  for (const int32_t value : ids) id.append<int32_t>(value);
  for (const auto& value : names) name.append_string(value);
  batch.columns.push_back({"id", std::move(id), std::nullopt});
  batch.columns.push_back({"name", std::move(name), std::nullopt});
  batch.num_rows = ids.size();
  return batch;
}

std::vector<int32_t> ids_of(const RowBatch& batch) {
  std::vector<int32_t> out;
  for (size_t row = 0; row < batch.num_rows; ++row)
    out.push_back(batch.find("id")->values.value<int32_t>(row));
  return out;
}

class CheckpointLogTest : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("parallax-checkpoint-log-" + std::to_string(::getpid()));
  std::string path = (dir / "state" / "t.log").string();
  void TearDown() override { std::filesystem::remove_all(dir); }
};

TEST_F(CheckpointLogTest, RecordsComeBackAndATornTailIsCut) {
  CheckpointLog log(path, "SELECT 1\nid");
  ASSERT_TRUE(log.read()->empty());                                  // none yet
  ASSERT_TRUE(log.append("1", rows_of({1}, {"a"}), false).is_ok());  // makes the directory
  ASSERT_TRUE(log.append("3", rows_of({2, 3}, {"b", "c"}), false).is_ok());
  const auto whole = std::filesystem::file_size(path);
  ASSERT_TRUE(log.append("4", rows_of({4}, {"d"}), false).is_ok());
  // A crash in the middle of the last append.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);

  CheckpointLog again(path, "SELECT 1\nid");
  auto records = again.read();
  ASSERT_TRUE(records.is_ok()) << records.status().message();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].checkpoint, "1");
  EXPECT_TRUE((*records)[0].replace);  // the first record of a log holds every row
  EXPECT_EQ(ids_of((*records)[1].rows), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ((*records)[1].rows.find("name")->values.string_at(1), "c");
  EXPECT_EQ((*records)[1].checkpoint, "3");
  EXPECT_FALSE((*records)[1].replace);
  EXPECT_EQ(std::filesystem::file_size(path), whole);  // cut, so appends follow whole records
  ASSERT_TRUE(again.append("5", rows_of({5}, {"e"}), false).is_ok());
  EXPECT_EQ(CheckpointLog(path, "SELECT 1\nid").read()->back().checkpoint, "5");
}

TEST_F(CheckpointLogTest, ACorruptRecordEndsTheLog) {
  CheckpointLog log(path, "q");
  ASSERT_TRUE(log.append("1", rows_of({1}, {"a"}), false).is_ok());
  const auto whole = std::filesystem::file_size(path);
  ASSERT_TRUE(log.append("2", rows_of({2}, {"b"}), false).is_ok());
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(whole + 12));
    file.put('\x7f');
  }
  auto records = CheckpointLog(path, "q").read();
  ASSERT_TRUE(records.is_ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(records->back().checkpoint, "1");
}

TEST_F(CheckpointLogTest, AnotherQuerysLogIsNotUsed) {
  CheckpointLog log(path, "SELECT a");
  ASSERT_TRUE(log.append("1", rows_of({1}, {"a"}), false).is_ok());
  CheckpointLog other(path, "SELECT b");
  ASSERT_TRUE(other.read()->empty());
  // Its first record replaces the file whole.
  ASSERT_TRUE(other.append("9", rows_of({9}, {"z"}), false).is_ok());
  EXPECT_TRUE(CheckpointLog(path, "SELECT a").read()->empty());
  EXPECT_EQ(CheckpointLog(path, "SELECT b").read()->back().checkpoint, "9");
}

TEST_F(CheckpointLogTest, ReplacingAndRewritingLeaveOneRecord) {
  CheckpointLog log(path, "q");
  ASSERT_TRUE(log.append("1", rows_of({1}, {"a"}), false).is_ok());
  ASSERT_TRUE(log.append("2", rows_of({2}, {"b"}), false).is_ok());
  ASSERT_TRUE(log.append("3", rows_of({3}, {"c"}), true).is_ok());
  auto records = CheckpointLog(path, "q").read();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(ids_of(records->front().rows), (std::vector<int32_t>{3}));
  ASSERT_TRUE(log.rewrite("7", rows_of({3, 7}, {"c", "g"})).is_ok());
  EXPECT_EQ(log.appended_bytes(), 0u);
  records = CheckpointLog(path, "q").read();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(ids_of(records->front().rows), (std::vector<int32_t>{3, 7}));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_F(CheckpointLogTest, AnUnwritableDirectoryIsAnError) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "file") << "x";
  CheckpointLog log((dir / "file" / "t.log").string(), "q");
  const Status wrote = log.append("1", rows_of({1}, {"a"}), false);
  EXPECT_FALSE(wrote.is_ok());
  EXPECT_NE(wrote.message().find("state directory"), std::string::npos) << wrote.message();
}

// A state directory others can write to (say --state-dir /tmp/...), where someone left
// symbolic links where the log writes: the files they point to are never written, and the
// log is the server's own, readable by its user only (it holds the table's rows).
TEST_F(CheckpointLogTest, SymbolicLinksInTheStateDirectoryAreNotFollowed) {
  std::filesystem::create_directories(dir / "state");
  const std::filesystem::path victim = dir / "victim";
  std::ofstream(victim) << "precious";
  std::filesystem::create_symlink(victim, path + ".tmp");
  CheckpointLog log(path, "SELECT 1\nid");
  ASSERT_TRUE(log.read()->empty());
  ASSERT_TRUE(log.append("1", rows_of({1}, {"a"}), false).is_ok());
  std::ifstream kept(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "precious");
  EXPECT_FALSE(std::filesystem::is_symlink(path));
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  CheckpointLog again(path, "SELECT 1\nid");
  ASSERT_EQ(again.read()->size(), 1u);

  // The log itself a link to another file: that file is not used, nor written.
  std::filesystem::remove(path);
  std::filesystem::create_symlink(victim, path);
  CheckpointLog linked(path, "SELECT 1\nid");
  ASSERT_TRUE(linked.read()->empty());
  ASSERT_TRUE(linked.append("2", rows_of({2}, {"b"}), false).is_ok());
  std::ifstream still(victim);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(still), {}), "precious");
}

}  // namespace
}  // namespace parallax
