#include "orders_fixture.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>

#include <fmt/format.h>

#include "formats/csv_reader.h"

namespace parallax::bench {

namespace {

constexpr const char* kRegions[] = {"EU",    "US-East", "US-West", "APAC",
                                    "LATAM", "MEA",     "Nordics", "UK"};

struct Order {
  size_t id;
  int region, product, customer, qty;
  double price;  // < 0: null
  int64_t seconds;
  bool flag;
};

template <typename F>
void for_each_order(size_t rows, F&& f) {
  std::mt19937_64 random(7);
  auto below = [&](uint64_t n) { return static_cast<int>(random() % n); };
  for (size_t i = 0; i < rows; ++i) {
    Order order{i, below(8), below(1000), below(50000), 1 + below(49), 0, 0, false};
    order.seconds = static_cast<int64_t>(random() % (366 * 86400));
    order.price = below(100) == 0 ? -1 : 1 + (random() % 99900) / 100.0;
    order.flag = below(10) < 3;
    f(order);
  }
}

// "2024-01-01" plus `seconds`, as date and datetime text (2024 is a leap year).
void format_time(int64_t seconds, char* date, char* datetime) {
  static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int day = static_cast<int>(seconds / 86400), month = 0;
  while (day >= kMonthDays[month]) day -= kMonthDays[month++];
  const int64_t clock = seconds % 86400;
  std::snprintf(date, 11, "2024-%02d-%02d", month + 1, day + 1);
  std::snprintf(datetime, 20, "%s %02d:%02d:%02d", date, static_cast<int>(clock / 3600),
                static_cast<int>(clock / 60 % 60), static_cast<int>(clock % 60));
}

std::string make_csv(size_t rows) {
  std::string out = "order_id,region,product,customer,qty,price,ts,day,flag\n";
  char date[11], datetime[20];
  for_each_order(rows, [&](const Order& o) {
    format_time(o.seconds, date, datetime);
    const std::string price = o.price < 0 ? "" : fmt::format("{:.2f}", o.price);
    fmt::format_to(std::back_inserter(out), "{},{},P{:04d},C{:05d},{},{},{},{},{}\n", o.id,
                   kRegions[o.region], o.product, o.customer, o.qty, price, datetime, date,
                   o.flag ? "true" : "false");
  });
  return out;
}

std::string make_json(size_t rows) {
  std::string out = "[";
  char date[11], datetime[20];
  for_each_order(rows, [&](const Order& o) {
    format_time(o.seconds, date, datetime);
    const std::string price = o.price < 0 ? "null" : fmt::format("{:.2f}", o.price);
    fmt::format_to(std::back_inserter(out),
                   "{}{{\"order_id\":{},\"region\":\"{}\",\"product\":\"P{:04d}\",\"customer\":"
                   "\"C{:05d}\",\"qty\":{},\"price\":{},\"ts\":\"{}\",\"day\":\"{}\",\"flag\":{}}}",
                   o.id == 0 ? "" : ",", o.id, kRegions[o.region], o.product, o.customer, o.qty,
                   price, datetime, date, o.flag ? "true" : "false");
  });
  out += "]";
  return out;
}

template <typename T, typename Make>
const T& cached(std::map<size_t, T>& cache, size_t rows, Make make) {
  auto found = cache.find(rows);
  if (found == cache.end()) found = cache.emplace(rows, make(rows)).first;
  return found->second;
}

// Setup failures are bugs in the benchmark itself: stop loudly rather than time nonsense.
template <typename T>
T value_or_die(Result<T> result, const char* what) {
  if (!result.is_ok()) {
    std::fprintf(stderr, "benchmark setup: %s: %s\n", what, result.status().message().c_str());
    std::abort();
  }
  return std::move(result).value();
}

}  // namespace

const std::string& orders_csv(size_t rows) {
  static std::map<size_t, std::string> cache;
  return cached(cache, rows, make_csv);
}

const std::string& orders_json(size_t rows) {
  static std::map<size_t, std::string> cache;
  return cached(cache, rows, make_json);
}

const RowBatch& orders_batch(size_t rows) {
  static std::map<size_t, RowBatch> cache;
  return cached(cache, rows,
                [](size_t n) { return value_or_die(read_csv(orders_csv(n)), "read_csv"); });
}

std::unique_ptr<Table> orders_table(size_t rows, bool indexed) {
  const RowBatch& batch = orders_batch(rows);
  TableOptions options;
  if (indexed) options.index = "order_id";
  auto table = value_or_die(Table::create(batch.schema(), options), "Table::create");
  value_or_die(table->load(batch), "Table::load");
  return table;
}

std::unique_ptr<Engine> orders_engine(size_t rows, bool indexed) {
  auto engine = std::make_unique<Engine>();
  TableOptions options;
  if (indexed) options.index = "order_id";
  const Status status = engine->create_table("t", TableData{orders_csv(rows)}, options);
  if (!status.is_ok()) {
    std::fprintf(stderr, "benchmark setup: create_table: %s\n", status.message().c_str());
    std::abort();
  }
  return engine;
}

Frame frame_of(const Table& table, size_t rows) {
  Frame frame;
  for (size_t i = 0; i < table.schema().size(); ++i) {
    frame.columns.push_back({table.schema().field(i).name, &table.column(i)});
  }
  for (uint32_t row = 0; row < rows; ++row) frame.rows.push_back(row);
  return frame;
}

std::string one_row_update_csv(size_t order_id, double price, int qty) {
  return fmt::format("order_id,price,qty\n{},{:.2f},{}\n", order_id, price, qty);
}

}  // namespace parallax::bench
