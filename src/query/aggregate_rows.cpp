#include "query/aggregate_rows.h"

#include <cmath>

#include "query/aggregates/kernels.h"

namespace parallax {

namespace aggregates {

void write_zero(Column& out, uint32_t position) {
  switch (out.type()) {
    case DataType::kBoolean:
      return out.set<uint8_t>(position, 0);
    case DataType::kString:
      return out.set<uint32_t>(position, out.mutable_dictionary().intern(""));
    case DataType::kDate:
      return out.set<int32_t>(position, kZeroDate);
    case DataType::kInteger:
    case DataType::kFloat:
    case DataType::kDatetime:
      return write_number(out, position, 0);
  }
}

}  // namespace aggregates

namespace {

void write_empty(EmptyValue empty, Column& out, uint32_t position) {
  switch (empty) {
    case EmptyValue::kNull:
      return out.set_null(position);
    case EmptyValue::kZero:
      return write_number(out, position, 0);
    case EmptyValue::kTypeZero:
      return aggregates::write_zero(out, position);
    case EmptyValue::kEmptyText:
      return out.set<uint32_t>(position, out.mutable_dictionary().intern(""));
  }
}

}  // namespace

double numeric_cell(const Column& column, uint32_t row) {
  switch (column.type()) {
    case DataType::kFloat:
      return column.value<double>(row);
    case DataType::kInteger:
    case DataType::kDate:
      return column.value<int32_t>(row);
    case DataType::kDatetime:
      return static_cast<double>(column.value<int64_t>(row));
    case DataType::kBoolean:
      return column.value<uint8_t>(row);
    case DataType::kString:
      break;
  }
  return 0;
}

void write_number(Column& out, uint32_t position, double value) {
  if (std::isnan(value)) {
    out.set_null(position);
  } else if (out.type() == DataType::kFloat) {
    out.set<double>(position, value);
  } else if (out.type() == DataType::kInteger) {
    out.set<int32_t>(position, static_cast<int32_t>(static_cast<int64_t>(value)));
  } else if (out.type() == DataType::kDate) {
    out.set<int32_t>(position, static_cast<int32_t>(value));
  } else if (out.type() == DataType::kDatetime) {
    out.set<int64_t>(position, static_cast<int64_t>(value));
  }
}

void aggregate_rows(AggregateKind kind, const Column& input, const Column* argument,
                    std::span<const uint32_t> rows, Column& out, uint32_t position) {
  const AggregateDescriptor& aggregate = descriptor(kind);
  if (rows.empty()) return write_empty(aggregate.empty, out, position);
  aggregate.kernel(aggregate, input, argument, rows, out, position);
}

}  // namespace parallax
