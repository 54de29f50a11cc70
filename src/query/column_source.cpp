#include "query/column_source.h"

#include <algorithm>

namespace parallax {

Result<std::unique_ptr<ColumnSource>> ColumnSource::create(
    const Table& table, const std::vector<std::pair<std::string, std::string>>& expressions,
    const ExpressionLimits& limits) {
  std::unique_ptr<ColumnSource> source(new ColumnSource(table));
  source->schema_ = table.schema();
  source->limits_ = limits;
  for (const auto& [name, text] : expressions) {
    PX_ASSIGN_OR_RETURN(Expression expression, Expression::compile(name, text, table.schema()));
    if (!source->schema_.add({name, expression.type()})) {
      return Status::invalid("expression '{}' is defined twice", name);
    }
    source->columns_.emplace_back(expression.type());
    source->expressions_.push_back(std::move(expression));
  }
  // Evaluated now, so that an expression too costly for the table fails the view's creation.
  source->refresh();
  if (!source->last_error_.is_ok()) return source->last_error_;
  return source;
}

void ColumnSource::compute(size_t i, const std::vector<uint32_t>* rows,
                           ExpressionBudget& budget) const {
  const Status computed = expressions_[i].compute(*table_, rows, columns_[i], budget);
  if (!computed.is_ok()) last_error_ = computed;
}

const Column& ColumnSource::column(size_t id) const {
  const size_t table_columns = table_->schema().size();
  if (id < table_columns) return table_->column(id);
  refresh();
  return columns_[id - table_columns];
}

std::vector<Field> ColumnSource::expression_fields() const {
  const auto& fields = schema_.fields();
  return {fields.begin() + static_cast<std::ptrdiff_t>(table_->schema().size()), fields.end()};
}

void ColumnSource::refresh() const {
  if (version_ == table_->version()) return;
  ExpressionBudget budget(limits_, table_->num_rows());  // one for all the expressions
  for (size_t i = 0; i < expressions_.size(); ++i) {
    columns_[i] = Column(expressions_[i].type());  // a fresh dictionary, too
    compute(i, nullptr, budget);
  }
  version_ = table_->version();
}

bool ColumnSource::apply(const ChangeSet& changes) {
  previous_.clear();
  removed_.clear();
  if (expressions_.empty()) return true;
  // Incremental only when the columns matched the table just before this change.
  const bool follows = version_ && *version_ + 1 == table_->version();
  if (!follows || changes.cleared) {
    version_.reset();
    refresh();
    return false;
  }
  // A removal moves rows into the removed rows' slots, as the table did.
  for (Column& column : columns_) {
    removed_.push_back(column.gathered(changes.removed));
    for (const auto& [before, after] : changes.moved) column.move_cell(before, after);
  }
  for (const Column& column : columns_) {
    previous_.push_back(column.gathered(changes.updated_rows));
  }
  std::vector<uint32_t> rows = changes.added_rows;
  rows.insert(rows.end(), changes.updated_rows.begin(), changes.updated_rows.end());
  std::sort(rows.begin(), rows.end());
  ExpressionBudget budget(limits_, rows.size());
  for (size_t i = 0; i < expressions_.size(); ++i) {
    columns_[i].resize(table_->num_rows());
    if (!rows.empty()) compute(i, &rows, budget);
  }
  version_ = table_->version();
  return true;
}

const Column& ColumnSource::previous(size_t id, const ChangeSet& changes) const {
  const size_t table_columns = table_->schema().size();
  return id < table_columns ? changes.previous[id] : previous_[id - table_columns];
}

const Column& ColumnSource::removed(size_t id, const ChangeSet& changes) const {
  const size_t table_columns = table_->schema().size();
  return id < table_columns ? changes.removed_cells[id] : removed_[id - table_columns];
}

}  // namespace parallax
