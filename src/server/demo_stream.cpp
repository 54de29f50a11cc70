#include "server/demo_stream.h"

#include <cmath>
#include <cstdio>

#include "api/json_results.h"
#include "common/number_format.h"
#include "formats/json_writer.h"

namespace parallax::server {

namespace {

// A JSON list of rows changing `count` random rows of an indexed `table`: the primary key
// (so each row is updated in place) and every numeric column, nudged.
std::string changed_rows(const Table& table, size_t count, std::mt19937_64& random) {
  const auto rows = table.rows_in_natural_order();
  const auto key = table.index_position();
  if (rows.empty() || !key) return "[]";
  std::string out = "[";
  std::normal_distribution<double> drift(0.0, 0.03);
  std::uniform_int_distribution<int> step(-2, 2);
  for (size_t i = 0; i < count; ++i) {
    const uint32_t row = rows[random() % rows.size()];
    if (i > 0) out += ',';
    out += '{';
    bool first = true;
    for (size_t c = 0; c < table.schema().size(); ++c) {
      const Field& field = table.schema().field(c);
      const Column& column = table.column(c);
      std::string value;
      if (c == *key) {
        value = scalar_json(table.key_of(row));
      } else if (column.is_null(row)) {
        continue;
      } else if (field.type == DataType::kFloat) {
        const double next = std::round(column.value<double>(row) * (1 + drift(random)) * 100) / 100;
        append_number(value, next);
      } else if (field.type == DataType::kInteger) {
        value = std::to_string(std::max(0, column.value<int32_t>(row) + step(random)));
      } else {
        continue;
      }
      if (!first) out += ',';
      first = false;
      append_json_string(out, field.name);
      out += ':';
      out += value;
    }
    out += '}';
  }
  out += ']';
  return out;
}

}  // namespace

DemoStream::DemoStream(Server& server, std::string table, std::chrono::milliseconds interval,
                       size_t rows_per_tick)
    : server_(server),
      table_(std::move(table)),
      interval_(interval),
      rows_per_tick_(rows_per_tick),
      random_(std::make_shared<std::mt19937_64>(20240101)),
      thread_([this] { run(); }) {}

DemoStream::~DemoStream() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DemoStream::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    server_.post_to_engine([table = table_, count = rows_per_tick_,
                            random = random_](Engine& engine) {
      auto found = engine.table(table);
      if (!found.is_ok()) return;
      const Status status = engine.update(
          table, TableData{changed_rows(*found.value(), count, *random), DataFormat::kJson});
      if (!status.is_ok()) {
        std::fprintf(stderr, "parallax: demo stream update failed: %s\n", status.message().c_str());
      }
    });
  }
}

}  // namespace parallax::server
