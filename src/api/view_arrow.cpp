#include "api/view_arrow.h"

#include <cmath>
#include <optional>
#include <utility>

#include "query/aggregate.h"

namespace parallax {

namespace {

ArrowInteger arrow_integer_of(AggregateKind kind) {
  switch (descriptor(kind).arrow) {
    case IntegerWidth::kInt32:
      return ArrowInteger::kInt32;
    case IntegerWidth::kInt64:
      return ArrowInteger::kInt64;
    case IntegerWidth::kUint32:
      return ArrowInteger::kUint32;
  }
  return ArrowInteger::kInt32;
}

// The aggregate of a grouped view's column "value" or "split|...|value", and the type it
// aggregates; none for columns that are not a table column's.
std::optional<std::pair<AggregateKind, DataType>> aggregate_of(const ViewConfig& config,
                                                               const Schema& table_schema,
                                                               std::string_view name) {
  std::optional<size_t> position = table_schema.find(name);
  if (!position) {
    const size_t bar = name.rfind('|');
    if (bar != std::string_view::npos) name = name.substr(bar + 1);
    position = table_schema.find(name);
  }
  if (!position) return std::nullopt;
  const DataType type = table_schema.field(*position).type;
  AggregateKind kind = default_aggregate(type);
  for (const auto& choice : config.aggregates) {
    if (choice.column != name) continue;
    if (auto chosen = aggregate_for(choice.name, type); chosen.is_ok()) kind = chosen.value();
  }
  return std::make_pair(kind, type);
}

ArrowInteger aggregated_integer(const ViewConfig& config, const Schema& table_schema,
                                const FrameColumn& column) {
  const auto aggregate = aggregate_of(config, table_schema, column.name);
  if (!aggregate) return ArrowInteger::kInt32;  // not a table column: as written
  // Float results stay Float64, but for the percentages of integers (see stored_frame).
  if (column.column->type() == DataType::kFloat &&
      !(is_percentage(aggregate->first) && aggregate->second == DataType::kInteger))
    return ArrowInteger::kInt32;
  return arrow_integer_of(aggregate->first);
}

}  // namespace

Frame stored_frame(const View& view, const Frame& read) {
  // A shallow copy: its columns point into `read`, which must outlive it.
  Frame frame;
  frame.row_path = read.row_path;
  frame.columns = read.columns;
  frame.rows = read.rows;
  const ViewConfig& config = view.config();
  if (config.group_by.empty()) return frame;
  for (auto& column : frame.columns) {
    const auto aggregate = aggregate_of(config, view.table().schema(), column.name);
    if (!aggregate || !is_percentage(aggregate->first) || aggregate->second != DataType::kInteger)
      continue;
    Column truncated = *column.column;
    for (const uint32_t row : frame.rows) {
      if (!truncated.is_valid(row)) continue;
      const double whole = std::trunc(truncated.value<double>(row));
      truncated.set<double>(row, whole == 0 ? 0.0 : whole);  // integers have no -0
    }
    column.column = &frame.own(std::move(truncated));
  }
  return frame;
}

std::string view_to_arrow(const View& view, const ViewWindow& window, ArrowWriteOptions options) {
  return frame_to_arrow(view, view.read(window, KeyColumns::kNone), std::move(options));
}

std::string frame_to_arrow(const View& view, const Frame& frame, ArrowWriteOptions options) {
  const ViewConfig& config = view.config();
  options.integers.clear();
  if (config.group_by.empty()) return write_arrow(frame, options);
  const Frame stored = stored_frame(view, frame);
  for (const auto& column : stored.columns) {
    options.integers.push_back(aggregated_integer(config, view.table().schema(), column));
  }
  return write_arrow(stored, options);
}

}  // namespace parallax
