// Resident memory of a loaded table against its raw columnar size, and of each view on it.
//
// usage: parallax_memory_bench ORDERS.csv [NAME=CONFIG_JSON...]
// Prints one JSON object: the process's resident set before, at its peak while loading, and
// after loading (the CSV text freed); the table's own accounting; and the raw columnar size,
// Arrow's plain layout (validity bits, fixed-width values, int32 offsets plus the bytes of
// every string cell, no dictionary), the size a columnar copy of the data takes.
// Then one JSON object per named view config, made alone on the table: the resident set it
// adds once made and read (its first 50 rows), and again after a one-row update it follows
// (state built lazily for the first change shows there); the view is deleted before the next.
// Before the views, one append to the table, whose capacity growth is printed on its own.
#include <malloc.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "api/engine.h"
#include "api/view_config_json.h"
#include "formats/json_writer.h"

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
  if (argc < 2) {
    std::fprintf(stderr, "usage: parallax_memory_bench ORDERS.csv [NAME=CONFIG_JSON...]\n");
    return 2;
  }
  const size_t before = proc_status_bytes("VmRSS");
  parallax::Engine engine;
  const parallax::TableData one_row{
      "order_id,region,product,customer,qty,price,ts,day,flag\n"
      "-1,EU,P0001,C00001,3,1.5,2024-01-01 00:00:00,2024-01-01,true\n"};
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
  // The table's first append grows its columns' capacity: done before any view, so that
  // the growth is the table's, not the first view's.
  const size_t before_growth = proc_status_bytes("VmRSS");
  (void)engine.update("t", one_row);
  malloc_trim(0);
  std::printf("{\"table_growth_on_first_append_bytes\":%zu}\n",
              proc_status_bytes("VmRSS") - std::min(before_growth, proc_status_bytes("VmRSS")));
  for (int arg = 2; arg < argc; ++arg) {
    const std::string spec = argv[arg];
    const std::string name = spec.substr(0, spec.find('='));
    malloc_trim(0);
    const size_t base = proc_status_bytes("VmRSS");
    auto config = parallax::view_config_from_json(spec.substr(spec.find('=') + 1));
    const parallax::Status made =
        config.is_ok() ? engine.create_view("t", "v", std::move(config).value()) : config.status();
    if (!made.is_ok()) {
      std::printf("{\"view\":\"%s\",\"error\":%s}\n", name.c_str(),
                  parallax::json_quoted(made.message()).c_str());
      continue;
    }
    parallax::ViewWindow window;
    window.end_row = 50;
    const parallax::View& view = *engine.view("v").value();
    (void)view.read(window, parallax::KeyColumns::kTrailing);
    malloc_trim(0);
    const size_t made_rss = proc_status_bytes("VmRSS");
    const parallax::Status updated = engine.update("t", one_row);
    (void)view.read(window, parallax::KeyColumns::kTrailing);
    malloc_trim(0);
    const size_t updated_rss = proc_status_bytes("VmRSS");
    std::printf(
        "{\"view\":\"%s\",\"rss_view_bytes\":%zu,\"rss_view_after_update_bytes\":%zu,"
        "\"update_ok\":%s}\n",
        name.c_str(), made_rss > base ? made_rss - base : 0,
        updated_rss > base ? updated_rss - base : 0, updated.is_ok() ? "true" : "false");
    std::fflush(stdout);
    (void)engine.delete_view("v");
  }
  return 0;
}
