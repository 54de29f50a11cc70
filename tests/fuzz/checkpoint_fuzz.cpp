// libFuzzer target: a checkpointed table's state file (pipeline/checkpoint_log.h) as a restart
// reads it, whatever a crash, a full disk or a hand left in it. The input after two bytes
// is split at "|PXCK|" into records (a line of checkpoint, then the Arrow bytes; a checkpoint
// starting with 'R' replaces), which are written as the log writes them (checksums right,
// so the Arrow and the record layout are what gets fuzzed); the first byte's bits then:
// 1 cut the file at the second byte's share of its length (a torn tail), 2 flip the byte
// there (a corrupt record), 4 write the input as the whole file (no header, no framing).
// Then: read (an error, or records whose every cell can be read), append a record, and a
// fresh read must give what the first read gave plus that record (the torn tail was cut).
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <string>

#include "fuzz_common.h"
#include "pipeline/checkpoint_log.h"

namespace {

using namespace parallax;

constexpr std::string_view kKey = "SELECT * FROM t WHERE id > {checkpoint}\nid";

template <typename T>
void put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

uint64_t fnv1a(std::string_view bytes) {
  uint64_t hash = 14695981039346656037ull;
  for (const unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// The file as CheckpointLog writes it (checkpoint_log.cpp: header, then framed records).
std::string framed(std::string_view records) {
  std::string out("parallax checkpoint log 1\n");
  put<uint32_t>(out, static_cast<uint32_t>(kKey.size()));
  out += kKey;
  while (true) {
    const size_t separator = records.find("|PXCK|");
    std::string_view record = records.substr(0, separator);
    const size_t newline = record.find('\n');
    const std::string_view checkpoint = record.substr(0, newline);
    const std::string_view arrow =
        newline == std::string_view::npos ? std::string_view() : record.substr(newline + 1);
    std::string bytes("PXCK");
    put<uint32_t>(bytes, static_cast<uint32_t>(checkpoint.size()));
    bytes += checkpoint;
    put<uint8_t>(bytes, checkpoint.starts_with('R') ? 1 : 0);
    put<uint64_t>(bytes, arrow.size());
    bytes += arrow;
    put<uint64_t>(bytes, fnv1a(bytes));
    out += bytes;
    if (separator == std::string_view::npos) break;
    records.remove_prefix(separator + 6);
  }
  return out;
}

const std::string& log_path() {
  static const std::string path = [] {
    char folder[] = "/tmp/checkpoint_fuzz.XXXXXX";
    if (!::mkdtemp(folder)) __builtin_trap();
    return std::string(folder) + "/t.log";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const std::string_view rest = fuzz::as_text(data + 2, size - 2);
  std::string file = flags & 4 ? std::string(rest) : framed(rest);
  const size_t at = file.size() * data[1] / 256;
  if ((flags & 2) && at < file.size()) file[at] = static_cast<char>(file[at] ^ 0x5a);
  if (flags & 1) file.resize(at);
  {
    std::ofstream out(log_path(), std::ios::binary | std::ios::trunc);
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
  }
  volatile size_t sink = 0;
  CheckpointLog log(log_path(), std::string(kKey));
  auto records = log.read();
  if (!records.is_ok()) return 0;
  for (const auto& record : *records)
    sink = sink + fuzz::touch(record.rows) + record.checkpoint.size();

  RowBatch rows;
  Column ids(DataType::kInteger);
  ids.append<int32_t>(7);
  rows.columns.push_back({"id", std::move(ids), std::nullopt});
  rows.num_rows = 1;
  if (!log.append("next", rows, false).is_ok()) return 0;
  CheckpointLog again(log_path(), std::string(kKey));
  auto after = again.read();
  // What was read before, then the record appended: a torn tail was cut, not appended after.
  if (!after.is_ok()) __builtin_trap();
  const size_t expected = records->empty() ? 1 : records->size() + 1;
  if (after->size() != expected || after->back().checkpoint != "next") __builtin_trap();
  return 0;
}
