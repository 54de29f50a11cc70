#include "virtual/virtual_table.h"

#include "virtual/sql_compiler.h"
#include "virtual/sql_expressions.h"
#include "virtual/text_cells.h"
#include "virtual/virtual_flat_view.h"
#include "virtual/virtual_grouped_view.h"
#include "virtual/virtual_split_view.h"

namespace parallax {

Result<std::unique_ptr<VirtualTable>> VirtualTable::create(std::shared_ptr<Backend> backend,
                                                           BackendTable source) {
  if (source.schema.size() == 0)
    return Status::invalid("table '{}' has no column Parallax can read", source.name);
  source.column_sql.resize(source.schema.size());
  for (size_t i = 0; i < source.schema.size(); ++i) {
    if (source.column_sql[i].empty())
      source.column_sql[i] = backend->dialect().identifier(source.schema.field(i).name);
  }
  std::unique_ptr<VirtualTable> table(new VirtualTable(std::move(backend), std::move(source)));
  TableOptions options;
  options.name = table->source_.name;
  options.index = table->source_.key;
  PX_ASSIGN_OR_RETURN(table->placeholder_, Table::create(table->source_.schema, options));
  table->table_columns_ = table->source_.schema.size();
  return table;
}

std::string VirtualTable::column(std::string_view name) const {
  const auto position = source_.schema.find(name);
  return position ? source_.column_sql[*position] : backend_->dialect().identifier(name);
}

std::string VirtualTable::order_key() const {
  if (!source_.key) return "";
  const std::string key = column(*source_.key);
  auto position = source_.schema.find(*source_.key);
  if (position && source_.schema.field(*position).type == DataType::kString)
    return backend_->dialect().bytewise(key);
  return key;
}

bool VirtualTable::accepts_aggregate(AggregateKind kind, DataType type) const {
  // As a view asks for it (sql_compiler.h is the one place that decides).
  const auto& d = backend_->dialect();
  const std::string argument = aggregate_takes_argument(kind) ? d.identifier("w") : "";
  return sql_aggregate(d, kind, descriptor(kind).name, d.identifier("x"), type, order_key(),
                       argument)
      .is_ok();
}

Result<size_t> VirtualTable::num_rows() const {
  const DataType types[] = {DataType::kFloat};
  PX_ASSIGN_OR_RETURN(std::vector<Column> count,
                      backend_->query("SELECT count(*) FROM " + from(), types));
  return row_count(count[0]);
}

std::vector<Field> VirtualTable::expression_fields() const {
  const auto& fields = source_.schema.fields();
  return {fields.begin() + static_cast<std::ptrdiff_t>(table_columns_), fields.end()};
}

Result<std::shared_ptr<const VirtualTable>> VirtualTable::with_expressions(
    const ViewConfig& config) const {
  std::shared_ptr<VirtualTable> table(new VirtualTable(backend_, source_));
  table->placeholder_ = placeholder_;
  table->table_columns_ = table_columns_;
  const Schema& own = placeholder_->schema();
  for (const auto& [name, text] : config.expressions) {
    PX_ASSIGN_OR_RETURN(SqlExpression expression,
                        sql_expression(backend_->dialect(), own, source_.column_sql, name, text));
    if (!table->source_.schema.add({name, expression.type}))
      return Status::invalid("expression '{}' is defined twice", name);
    table->source_.column_sql.push_back(std::move(expression.sql));
  }
  return std::shared_ptr<const VirtualTable>(std::move(table));
}

Result<std::unique_ptr<View>> VirtualTable::create_view(ViewConfig config) const {
  // With expressions, the view is made of this table with its expression columns (which
  // the view keeps); their SQL goes where the columns' would.
  std::shared_ptr<const VirtualTable> with;
  if (!config.expressions.empty()) {
    PX_ASSIGN_OR_RETURN(with, with_expressions(config));
  }
  const VirtualTable& table = with ? *with : *this;
  std::unique_ptr<VirtualView> view;
  if (!config.split_by.empty() && config.group_by.empty()) {
    PX_ASSIGN_OR_RETURN(view, VirtualSplitView::create(table, std::move(config)));
  } else if (config.group_by.empty() && config.split_by.empty()) {
    PX_ASSIGN_OR_RETURN(view, VirtualFlatView::create(table, std::move(config)));
  } else {
    PX_ASSIGN_OR_RETURN(view, VirtualGroupedView::create(table, std::move(config)));
  }
  if (with) view->keep(std::move(with));
  return std::unique_ptr<View>(std::move(view));
}

Frame VirtualView::read_changed(const ChangeSet&) const {
  const auto rows = last_rows();
  if (!rows) return Frame{};
  ViewWindow window;
  window.start_row = static_cast<double>(rows->first);
  window.end_row = static_cast<double>(rows->second);
  return read(window, KeyColumns::kNone);
}

Result<std::vector<Column>> VirtualView::run(const std::string& sql,
                                             std::span<const DataType> types) const {
  return backend().query(sql, types);
}

bool same_cells(const Column& a, const Column& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  for (size_t row = 0; row < a.size(); ++row) {
    if (a.is_null(row) != b.is_null(row)) return false;
    if (a.is_null(row)) continue;
    const bool same = visit_type(a.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        return a.string_at(row) == b.string_at(row);
      } else {
        return a.value<Storage>(row) == b.value<Storage>(row);
      }
    });
    if (!same) return false;
  }
  return true;
}

}  // namespace parallax
