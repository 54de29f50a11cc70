// libFuzzer target: what a virtual table reads from a database's answer (src/virtual/
// text_cells.h). The first byte picks the columns asked for (1 to 4, each of the six types
// in turn from the second byte); the rest is the answer: ClickHouse's TabSeparated text, read
// whole, and each of its lines as one cell of each type (PostgreSQL's text cells). Then a
// float column's first cell as a row count. An error or columns of equal length whose every
// cell can be read; never a crash, an overflow (UBSan), a hang or a leak.
#include <string>
#include <vector>

#include "fuzz_common.h"
#include "virtual/text_cells.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace parallax;
  if (size < 2) return 0;
  std::vector<DataType> types;
  for (size_t i = 0; i <= data[0] % 4u; ++i)
    types.push_back(static_cast<DataType>((data[1] + i) % 6));
  const std::string_view body = fuzz::as_text(data + 2, size - 2);
  volatile size_t sink = 0;
  auto columns = read_tab_separated(body, types);
  if (columns.is_ok()) {
    RowBatch batch;
    if (columns->size() != types.size()) __builtin_trap();
    batch.num_rows = (*columns)[0].size();
    for (auto& column : *columns) batch.columns.push_back({"c", std::move(column), std::nullopt});
    sink = sink + fuzz::touch(batch);
    for (const auto& column : batch.columns) {
      if (column.values.type() == DataType::kFloat) {
        auto count = row_count(column.values);
        if (count.is_ok()) sink = sink + *count;
      }
    }
  }
  for (int type = 0; type < 6; ++type) {
    Column column(static_cast<DataType>(type));
    size_t start = 0;
    while (start <= body.size()) {
      const size_t end = std::min(body.find('\n', start), body.size());
      if (append_text_cell(column, body.substr(start, end - start)).is_ok()) sink = sink + 1;
      start = end + 1;
    }
    if (column.size() > 0 && !column.is_null(0) && type == static_cast<int>(DataType::kString))
      sink = sink + column.string_at(0).size();
  }
  return 0;
}
