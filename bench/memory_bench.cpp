// Resident memory of a loaded table against its raw columnar size.
//
// usage: parallax_memory_bench ORDERS.csv
// Prints one JSON object: the process's resident set before, at its peak while loading, and
// after loading (the CSV text freed); the table's own accounting; and the raw columnar size,
// Arrow's plain layout (validity bits, fixed-width values, int32 offsets plus the bytes of
// every string cell, no dictionary), the size a columnar copy of the data takes.
#include <malloc.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "api/engine.h"

namespace {

// A field of /proc/self/status in bytes (VmRSS, VmHWM).
size_t proc_status_bytes(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1)) * 1024;
  }
  return 0;
}

size_t raw_columnar_bytes(const parallax::Table& table) {
  using parallax::DataType;
  const size_t rows = table.num_rows();
  size_t bytes = 0;
  for (size_t i = 0; i < table.schema().size(); ++i) {
    const parallax::Column& column = table.column(i);
    bytes += (rows + 7) / 8;  // validity
    switch (column.type()) {
      case DataType::kBoolean:
        bytes += (rows + 7) / 8;
        break;
      case DataType::kInteger:
      case DataType::kDate:
        bytes += 4 * rows;
        break;
      case DataType::kFloat:
      case DataType::kDatetime:
        bytes += 8 * rows;
        break;
      case DataType::kString:
        bytes += 4 * (rows + 1);
        for (size_t row = 0; row < rows; ++row) {
          if (column.is_valid(row)) bytes += column.string_at(row).size();
        }
        break;
    }
  }
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: parallax_memory_bench ORDERS.csv\n");
    return 2;
  }
  const size_t before = proc_status_bytes("VmRSS");
  parallax::Engine engine;
  {
    std::ifstream file(argv[1], std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    const parallax::Status status =
        engine.create_table("t", parallax::TableData{text.str()}, parallax::TableOptions{});
    if (!status.is_ok()) {
      std::fprintf(stderr, "parallax_memory_bench: %s\n", status.message().c_str());
      return 1;
    }
  }
  malloc_trim(0);  // hand freed parse buffers back, so the resident set is the table's
  const parallax::Table& table = *engine.table("t").value();
  const size_t raw = raw_columnar_bytes(table);
  const size_t after = proc_status_bytes("VmRSS");
  std::printf(
      "{\"rows\":%zu,\"rss_before_bytes\":%zu,\"rss_peak_bytes\":%zu,\"rss_after_load_bytes\":%zu,"
      "\"table_bytes\":%zu,\"raw_columnar_bytes\":%zu,\"resident_over_raw\":%.3f,"
      "\"table_over_raw\":%.3f}\n",
      table.num_rows(), before, proc_status_bytes("VmHWM"), after, table.memory_bytes(), raw,
      static_cast<double>(after - before) / raw, static_cast<double>(table.memory_bytes()) / raw);
  return 0;
}
