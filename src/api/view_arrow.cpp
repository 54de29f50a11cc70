#include "api/view_arrow.h"

#include <utility>

#include "query/aggregate.h"

namespace parallax {

namespace {

ArrowInteger arrow_integer_of(AggregateKind kind) {
  switch (kind) {
    case AggregateKind::kCount:
    case AggregateKind::kSum:
    case AggregateKind::kAbsSum:
    case AggregateKind::kSumAbs:
    case AggregateKind::kSumNotNull:
    case AggregateKind::kPctSumParent:
    case AggregateKind::kPctSumTotal:
      return ArrowInteger::kInt64;
    case AggregateKind::kDistinctCount:
      return ArrowInteger::kUint32;
    default:
      return ArrowInteger::kInt32;
  }
}

// The aggregate of a grouped view's column "value" or "split|...|value".
ArrowInteger aggregated_integer(const ViewConfig& config, const Schema& table_schema,
                                std::string_view name) {
  std::optional<size_t> position = table_schema.find(name);
  if (!position) {
    const size_t bar = name.rfind('|');
    if (bar != std::string_view::npos) name = name.substr(bar + 1);
    position = table_schema.find(name);
  }
  if (!position) return ArrowInteger::kInt32;  // not a table column: as written
  const DataType type = table_schema.field(*position).type;
  AggregateKind kind = default_aggregate(type);
  for (const auto& choice : config.aggregates) {
    if (choice.column != name) continue;
    if (auto chosen = aggregate_for(choice.name, type); chosen.is_ok()) kind = chosen.value();
  }
  return arrow_integer_of(kind);
}

}  // namespace

std::string view_to_arrow(const View& view, const ViewWindow& window, ArrowWriteOptions options) {
  return frame_to_arrow(view, view.read(window, KeyColumns::kNone), std::move(options));
}

std::string frame_to_arrow(const View& view, const Frame& frame, ArrowWriteOptions options) {
  const ViewConfig& config = view.config();
  options.integers.clear();
  if (!config.group_by.empty()) {
    for (const auto& column : frame.columns) {
      options.integers.push_back(aggregated_integer(config, view.table().schema(), column.name));
    }
  }
  return write_arrow(frame, options);
}

}  // namespace parallax
