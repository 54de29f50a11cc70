// The columns a view can name: the table's own, then the view's expression columns. Each has
// an id (its position in schema()): table columns keep their table positions, expression
// columns follow. Expression columns are row-aligned with the table (row r of an expression
// column is computed from row r of the table), so filters, sorts and groupings read them
// exactly as they read table columns.
//
// Keeping them current: apply() recomputes just the rows a ChangeSet names (the views call it
// as each change happens, and moves rows as a removal moved them); any read after a change
// that apply() did not see recomputes every row, decided by the table's version.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/change_set.h"
#include "core/column.h"
#include "core/schema.h"
#include "core/table.h"
#include "query/expressions/expression.h"

namespace parallax {

class ColumnSource {
 public:
  // Compiles each (name, text) expression against the table and evaluates it over every row;
  // fails on the first error, or when an evaluation runs out of `limits` (one budget for all
  // the expressions of an evaluation).
  static Result<std::unique_ptr<ColumnSource>> create(
      const Table& table, const std::vector<std::pair<std::string, std::string>>& expressions,
      const ExpressionLimits& limits = {});

  const Table& table() const { return *table_; }
  // Table fields, then expression fields; a position here is a column id.
  const Schema& schema() const { return schema_; }
  std::optional<size_t> find(std::string_view name) const { return schema_.find(name); }
  const Field& field(size_t id) const { return schema_.field(id); }
  bool is_expression(size_t id) const { return id >= table_->schema().size(); }
  // The column with this id, brought up to date with the table first.
  const Column& column(size_t id) const;
  size_t num_rows() const { return table_->num_rows(); }
  // The expression columns' fields, in config order (view.expression_schema).
  std::vector<Field> expression_fields() const;

  // Follows one table change (call it after every change, with what the change reported).
  // Answers whether it followed incrementally, which makes previous() valid for that change.
  bool apply(const ChangeSet& changes);
  // The cells column `id` held, before the last applied change, in the rows it updated
  // (cell i for changes.updated_rows[i]).
  const Column& previous(size_t id, const ChangeSet& changes) const;
  // The cells column `id` held in the rows the last applied change removed (cell i for
  // changes.removed[i]).
  const Column& removed(size_t id, const ChangeSet& changes) const;
  // Brings every expression column up to date with the table. An evaluation that runs out of
  // the limits (after an update made a loop longer) leaves its rows null: see last_error().
  void refresh() const;
  // Why the last evaluation that failed stopped (ok when none has).
  const Status& last_error() const { return last_error_; }

 private:
  explicit ColumnSource(const Table& table) : table_(&table) {}
  void compute(size_t i, const std::vector<uint32_t>* rows, ExpressionBudget& budget) const;

  const Table* table_;
  Schema schema_;
  std::vector<Expression> expressions_;
  mutable std::vector<Column> columns_;      // one per expression
  std::vector<Column> previous_;             // one per expression: see previous()
  std::vector<Column> removed_;              // one per expression: see removed()
  mutable std::optional<uint64_t> version_;  // table version the columns reflect
  ExpressionLimits limits_;
  mutable Status last_error_;
};

}  // namespace parallax
