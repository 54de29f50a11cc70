#include "pipeline/checkpoint_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "formats/arrow_reader.h"
#include "formats/arrow_writer.h"

namespace parallax {

namespace {

constexpr std::string_view kHeader = "parallax checkpoint log 1\n";
constexpr std::string_view kRecordMagic = "PXCK";

uint64_t fnv1a(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (const unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

template <typename T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

// Reads a T at `at` (advanced), or false when the bytes end first.
template <typename T>
bool take(std::string_view bytes, size_t& at, T& value) {
  if (bytes.size() - at < sizeof(T)) return false;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  at += sizeof(T);
  return true;
}

bool take_bytes(std::string_view bytes, size_t& at, uint64_t size, std::string_view& out) {
  if (bytes.size() - at < size) return false;
  out = bytes.substr(at, size);
  at += size;
  return true;
}

std::string encode_record(const std::string& checkpoint, const RowBatch& rows, bool replace) {
  Frame frame;
  for (const auto& column : rows.columns) frame.columns.push_back({column.name, &column.values});
  frame.rows.resize(rows.num_rows);
  std::iota(frame.rows.begin(), frame.rows.end(), 0u);
  const std::string arrow = write_arrow(frame);
  std::string record(kRecordMagic);
  put<uint32_t>(record, static_cast<uint32_t>(checkpoint.size()));
  record += checkpoint;
  put<uint8_t>(record, replace ? 1 : 0);
  put<uint64_t>(record, arrow.size());
  record += arrow;
  put<uint64_t>(record, fnv1a(record));
  return record;
}

std::string header(const std::string& key) {
  std::string out(kHeader);
  put<uint32_t>(out, static_cast<uint32_t>(key.size()));
  return out + key;
}

Status errno_status(const std::string& what, const std::string& path) {
  return Status::invalid("cannot {} the checkpoint log {}: {}", what, path, std::strerror(errno));
}

// Writes all of `bytes` to `fd` and flushes them to disk.
Status write_durably(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t wrote = ::write(fd, bytes.data(), bytes.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) return errno_status("write", path);
    bytes.remove_prefix(static_cast<size_t>(wrote));
  }
  if (::fdatasync(fd) != 0) return errno_status("flush", path);
  return Status::ok();
}

}  // namespace

Result<std::vector<CheckpointLog::Record>> CheckpointLog::read() {
  valid_ = false;
  appended_ = base_ = 0;
  // A link is not a log this server wrote (it writes files): not read, not cut; the next
  // write replaces it.
  std::error_code link_error;
  if (std::filesystem::is_symlink(path_, link_error)) return std::vector<Record>{};
  std::ifstream in(path_, std::ios::binary);
  if (!in) return std::vector<Record>{};  // none yet
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = std::move(buffer).str();
  const std::string head = header(key_);
  if (!std::string_view(text).starts_with(head)) return std::vector<Record>{};  // another key's
  std::vector<Record> records;
  size_t at = head.size();
  size_t good = at;  // the end of the last whole record
  while (at < text.size()) {
    std::string_view magic, checkpoint, arrow;
    uint32_t checkpoint_size = 0;
    uint8_t replace = 0;
    uint64_t arrow_size = 0, checksum = 0;
    const size_t start = at;
    const bool whole = take_bytes(text, at, kRecordMagic.size(), magic) && magic == kRecordMagic &&
                       take(text, at, checkpoint_size) &&
                       take_bytes(text, at, checkpoint_size, checkpoint) &&
                       take(text, at, replace) && take(text, at, arrow_size) &&
                       take_bytes(text, at, arrow_size, arrow);
    const uint64_t expected = fnv1a(std::string_view(text).substr(start, at - start));
    if (!whole || !take(text, at, checksum) || checksum != expected) break;
    auto rows = read_arrow(arrow);
    if (!rows.is_ok()) break;
    Record record{std::string(checkpoint), std::move(rows).value(), replace != 0};
    if (record.replace) records.clear();
    records.push_back(std::move(record));
    good = at;
  }
  if (good < text.size()) {
    // A torn or corrupt tail (a crash while appending): cut, so appends follow whole records.
    if (::truncate(path_.c_str(), static_cast<off_t>(good)) != 0)
      return errno_status("truncate", path_);
  }
  valid_ = true;
  base_ = good;
  return records;
}

Status CheckpointLog::append(const std::string& checkpoint, const RowBatch& rows, bool replace) {
  // The first record of a new log holds every row so far (the table started empty).
  if (!valid_ || replace) return rewrite(checkpoint, rows);
  const std::string record = encode_record(checkpoint, rows, false);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno_status("open", path_);
  const Status wrote = write_durably(fd, record, path_);
  ::close(fd);
  // A partial write would end the log there; the next write makes it whole again.
  if (!wrote.is_ok()) valid_ = false;
  if (wrote.is_ok()) appended_ += record.size();
  return wrote;
}

Status CheckpointLog::rewrite(const std::string& checkpoint, const RowBatch& rows) {
  namespace fs = std::filesystem;
  const fs::path path(path_);
  std::error_code error;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), error);
  if (error) {
    return Status::invalid("cannot make the state directory {}: {}", path.parent_path().string(),
                           error.message());
  }
  const std::string temporary = path_ + ".tmp";
  const std::string bytes = header(key_) + encode_record(checkpoint, rows, true);
  // A new file of our own: whatever is at the temporary name (a link someone left in a state
  // directory others can write to) is removed, not written through; the rows are the table's,
  // for the server's user only.
  ::unlink(temporary.c_str());
  const int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return errno_status("create", temporary);
  Status wrote = write_durably(fd, bytes, temporary);
  ::close(fd);
  if (wrote.is_ok() && ::rename(temporary.c_str(), path_.c_str()) != 0)
    wrote = errno_status("rename", temporary);
  if (!wrote.is_ok()) {
    ::unlink(temporary.c_str());
    return wrote;
  }
  // The rename itself is durable once the directory is flushed.
  const std::string directory = path.has_parent_path() ? path.parent_path().string() : ".";
  if (const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  valid_ = true;
  appended_ = 0;
  base_ = bytes.size();
  return Status::ok();
}

}  // namespace parallax
