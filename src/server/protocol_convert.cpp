#include "server/protocol_convert.h"

#include <map>

namespace parallax::server {

namespace {

std::optional<DataType> data_type_of(proto::ColumnType type) {
  switch (type) {
    case proto::STRING:
      return DataType::kString;
    case proto::DATE:
      return DataType::kDate;
    case proto::DATETIME:
      return DataType::kDatetime;
    case proto::INTEGER:
      return DataType::kInteger;
    case proto::FLOAT:
      return DataType::kFloat;
    case proto::BOOLEAN:
      return DataType::kBoolean;
    default:
      return std::nullopt;
  }
}

std::optional<SortDirection> sort_direction_of(proto::SortOp op) {
  switch (op) {
    case proto::SORT_NONE:
      return SortDirection::kNone;
    case proto::SORT_ASC:
      return SortDirection::kAscending;
    case proto::SORT_DESC:
      return SortDirection::kDescending;
    case proto::SORT_COL_ASC:
      return SortDirection::kColumnAscending;
    case proto::SORT_COL_DESC:
      return SortDirection::kColumnDescending;
    case proto::SORT_ASC_ABS:
      return SortDirection::kAscendingAbs;
    case proto::SORT_DESC_ABS:
      return SortDirection::kDescendingAbs;
    case proto::SORT_COL_ASC_ABS:
      return SortDirection::kColumnAscendingAbs;
    case proto::SORT_COL_DESC_ABS:
      return SortDirection::kColumnDescendingAbs;
    default:
      return std::nullopt;
  }
}

proto::SortOp sort_op_of(SortDirection direction) {
  switch (direction) {
    case SortDirection::kNone:
      return proto::SORT_NONE;
    case SortDirection::kAscending:
      return proto::SORT_ASC;
    case SortDirection::kDescending:
      return proto::SORT_DESC;
    case SortDirection::kColumnAscending:
      return proto::SORT_COL_ASC;
    case SortDirection::kColumnDescending:
      return proto::SORT_COL_DESC;
    case SortDirection::kAscendingAbs:
      return proto::SORT_ASC_ABS;
    case SortDirection::kDescendingAbs:
      return proto::SORT_DESC_ABS;
    case SortDirection::kColumnAscendingAbs:
      return proto::SORT_COL_ASC_ABS;
    case SortDirection::kColumnDescendingAbs:
      return proto::SORT_COL_DESC_ABS;
  }
  return proto::SORT_NONE;
}

FilterValue filter_value_of(const proto::Scalar& scalar) {
  FilterValue value;
  switch (scalar.scalar_case()) {
    case proto::Scalar::kBool:
      value.kind = FilterValue::Kind::kBoolean;
      value.boolean = scalar.bool_();
      break;
    case proto::Scalar::kFloat:
      value.kind = FilterValue::Kind::kNumber;
      value.number = scalar.float_();
      break;
    case proto::Scalar::kString:
      value.kind = FilterValue::Kind::kString;
      value.text = scalar.string();
      break;
    default:
      break;  // null, or no value at all
  }
  return value;
}

void set_scalar(proto::Scalar& scalar, const FilterValue& value) {
  switch (value.kind) {
    case FilterValue::Kind::kNull:
      scalar.set_null(google::protobuf::NULL_VALUE);
      break;
    case FilterValue::Kind::kBoolean:
      scalar.set_bool_(value.boolean);
      break;
    case FilterValue::Kind::kNumber:
      scalar.set_float_(value.number);
      break;
    case FilterValue::Kind::kString:
      scalar.set_string(value.text);
      break;
  }
}

}  // namespace

proto::ColumnType column_type_of(DataType type) {
  switch (type) {
    case DataType::kString:
      return proto::STRING;
    case DataType::kDate:
      return proto::DATE;
    case DataType::kDatetime:
      return proto::DATETIME;
    case DataType::kInteger:
      return proto::INTEGER;
    case DataType::kFloat:
      return proto::FLOAT;
    case DataType::kBoolean:
      return proto::BOOLEAN;
  }
  return proto::STRING;
}

Result<ViewConfig> view_config_from_proto(const proto::ViewConfig& in) {
  ViewConfig config;
  config.group_by.assign(in.group_by().begin(), in.group_by().end());
  config.split_by.assign(in.split_by().begin(), in.split_by().end());
  if (in.columns().has_columns()) {
    const auto& names = in.columns().columns().columns();
    config.columns = std::vector<std::string>(names.begin(), names.end());
  }
  for (const auto& term : in.filter()) {
    auto op = filter_op_from_name(term.op());
    if (!op) return Status::invalid("unknown filter operator '{}'", term.op());
    FilterTerm filter{term.column(), *op, {}};
    for (const auto& value : term.value()) filter.values.push_back(filter_value_of(value));
    config.filter.push_back(std::move(filter));
  }
  for (const auto& key : in.sort()) {
    auto direction = sort_direction_of(key.op());
    if (!direction) return Status::invalid("unknown sort direction {}", static_cast<int>(key.op()));
    config.sort.push_back({key.column(), *direction});
  }
  if (in.filter_op() == proto::ViewConfig::OR) config.filter_op = FilterCombinator::kOr;
  if (in.has_group_by_depth()) config.group_by_depth = in.group_by_depth();
  // Maps arrive in no particular order; sort them so that views are deterministic.
  std::map<std::string, std::string> expressions(in.expressions().begin(), in.expressions().end());
  config.expressions.assign(expressions.begin(), expressions.end());
  // An aggregate is a name, or a name and its argument column ("weighted mean", "qty").
  std::map<std::string, AggregateChoice> aggregates;
  for (const auto& [column, list] : in.aggregates()) {
    if (list.aggregations_size() == 0) continue;
    if (list.aggregations_size() > 2) {
      return Status::invalid(
          "aggregate of '{}' has {} parts; expected a name and at most one "
          "argument",
          column, list.aggregations_size());
    }
    AggregateChoice choice{column, list.aggregations(0), std::nullopt};
    if (list.aggregations_size() == 2) choice.argument = list.aggregations(1);
    aggregates[column] = std::move(choice);
  }
  for (auto& [column, choice] : aggregates) config.aggregates.push_back(std::move(choice));
  return config;
}

proto::ViewConfig view_config_to_proto(const ViewConfig& config) {
  proto::ViewConfig out;
  for (const auto& name : config.group_by) out.add_group_by(name);
  for (const auto& name : config.split_by) out.add_split_by(name);
  if (config.columns) {
    auto* columns = out.mutable_columns()->mutable_columns();
    for (const auto& name : *config.columns) columns->add_columns(name);
  } else {
    out.mutable_columns()->set_default_columns(google::protobuf::NULL_VALUE);
  }
  for (const auto& term : config.filter) {
    auto* filter = out.add_filter();
    filter->set_column(term.column);
    filter->set_op(std::string(filter_op_config_name(term.op)));
    for (const auto& value : term.values) set_scalar(*filter->add_value(), value);
  }
  for (const auto& key : config.sort) {
    auto* sort = out.add_sort();
    sort->set_column(key.column);
    sort->set_op(sort_op_of(key.direction));
  }
  for (const auto& [name, text] : config.expressions) (*out.mutable_expressions())[name] = text;
  // Aggregates are not echoed: the reference always answers an empty map.
  if (config.filter_op == FilterCombinator::kOr) out.set_filter_op(proto::ViewConfig::OR);
  if (config.group_by_depth) out.set_group_by_depth(*config.group_by_depth);
  return out;
}

ViewWindow view_window_from_proto(const proto::ViewPort& viewport) {
  ViewWindow window;
  if (viewport.has_start_row()) window.start_row = viewport.start_row();
  if (viewport.has_end_row()) window.end_row = viewport.end_row();
  if (viewport.has_start_col()) window.start_col = viewport.start_col();
  if (viewport.has_end_col()) window.end_col = viewport.end_col();
  return window;
}

Result<TableData> table_data_from_proto(const proto::MakeTableData& data) {
  switch (data.data_case()) {
    case proto::MakeTableData::kFromCsv:
      return TableData{data.from_csv(), DataFormat::kCsv};
    case proto::MakeTableData::kFromRows:
      return TableData{data.from_rows(), DataFormat::kJson};
    case proto::MakeTableData::kFromCols:
      return TableData{data.from_cols(), DataFormat::kColumns};
    case proto::MakeTableData::kFromNdjson:
      return TableData{data.from_ndjson(), DataFormat::kNdjson};
    case proto::MakeTableData::kFromArrow:
      return TableData{data.from_arrow(), DataFormat::kArrow};
    case proto::MakeTableData::kFromSchema:
      return Status::invalid("a schema holds no rows to load");
    case proto::MakeTableData::kFromView:
      return Status::invalid("view data cannot be loaded here");
    default:
      return Status::invalid("the request carries no table data");
  }
}

Result<Schema> schema_from_proto(const proto::Schema& in) {
  Schema schema;
  for (const auto& pair : in.schema()) {
    auto type = data_type_of(pair.type());
    if (!type)
      return Status::invalid("unknown type {} for column '{}'", static_cast<int>(pair.type()),
                             pair.name());
    if (!schema.add({pair.name(), *type})) {
      return Status::invalid("schema names column '{}' twice", pair.name());
    }
  }
  return schema;
}

}  // namespace parallax::server
