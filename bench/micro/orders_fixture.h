// Synthetic "orders" data for the micro benchmarks, shaped as bench/workload/gen_orders.py
// makes it (8 regions, 1,000 products, 50,000 customers, 1% null prices, a datetime, a date,
// a boolean), generated in memory and cached per row count so that setup stays out of timings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "api/engine.h"
#include "core/frame.h"
#include "core/row_batch.h"
#include "core/table.h"

namespace parallax::bench {

// The rows of the benchmarks' tables: 1,000,000 (others take a tenth of it), or what
// PARALLAX_BENCH_ROWS says (`make bench BENCH_ROWS=10000`: a quick run of every benchmark).
inline int64_t bench_rows() {
  static const int64_t rows = [] {
    const char* text = std::getenv("PARALLAX_BENCH_ROWS");
    const int64_t asked = text ? std::atoll(text) : 0;
    return asked >= 10 ? asked : 1'000'000;
  }();
  return rows;
}

// The orders as CSV text with a header row.
const std::string& orders_csv(size_t rows);
// The same rows as a JSON list of row objects.
const std::string& orders_json(size_t rows);
// The CSV parsed into a batch (types inferred).
const RowBatch& orders_batch(size_t rows);
// A new table loaded with the orders; keyed by order_id when `indexed`.
std::unique_ptr<Table> orders_table(size_t rows, bool indexed);
// An engine holding the orders as table "t" (keyed by order_id when `indexed`).
std::unique_ptr<Engine> orders_engine(size_t rows, bool indexed);
// A frame of every column of `table`'s first `rows` rows, as a view read would give.
Frame frame_of(const Table& table, size_t rows);
// A one-row update of order `order_id` as CSV text (new price and qty).
std::string one_row_update_csv(size_t order_id, double price, int qty);

}  // namespace parallax::bench
