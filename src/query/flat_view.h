// A view without grouping: the table's rows, filtered, sorted, some columns. It follows
// upserts of existing rows in place (their filter result, their place among the first rows
// of a sorted view); after other changes refresh() re-derives its rows. Reads must find the
// view current (the engine refreshes a view before handing it out; debug builds check) and
// sort only as far as they read: the order is a cache that no answer depends on.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "core/frame.h"
#include "core/scalar.h"
#include "core/table.h"
#include "query/column_source.h"
#include "query/filter.h"
#include "query/sort.h"
#include "query/view.h"
#include "query/view_config.h"

namespace parallax {

class FlatView final : public View {
 public:
  static Result<std::unique_ptr<FlatView>> create(const Table& table, ViewConfig config);

  const ViewConfig& config() const override { return config_; }
  const Table& table() const override { return *table_; }
  size_t num_rows() const override;
  size_t num_columns() const override { return visible_.size(); }
  std::vector<Field> schema() const override;
  std::vector<std::string> column_paths() const override;
  Result<std::pair<Scalar, Scalar>> min_max(const std::string& column) const override;
  Frame read(const ViewWindow& window, KeyColumns keys) const override;
  bool is_inverted(const ViewWindow& window) const override;
  std::vector<Field> expression_schema() const override { return source_->expression_fields(); }
  void table_changed(const ChangeSet& changes) override;
  Frame read_changed(const ChangeSet& changes) const override;
  void refresh() override { update_rows(); }

 private:
  FlatView(const Table& table, ViewConfig config) : table_(&table), config_(std::move(config)) {}
  // Recomputes the row list (filtered, in natural order) when the table has changed since.
  void update_rows();
  bool is_current() const { return rows_version_ == table_->version(); }
  // Follows a change that only overwrote cells of existing rows; false when the next read
  // must refresh instead.
  bool follow(const ChangeSet& changes);
  // The view's rows in order, at least up to `end`: sorting waits for a read, and a read of
  // the first rows only orders those (first_rows_).
  const std::vector<uint32_t>& ordered_rows(size_t end) const;

  const Table* table_;
  ViewConfig config_;
  std::unique_ptr<ColumnSource> source_;  // table and expression columns
  std::vector<size_t> visible_;           // column ids of source_
  RowFilter filter_;
  std::vector<CompiledSortKey> sort_;
  std::vector<uint32_t> natural_;         // the table's rows in natural order
  std::optional<uint64_t> rows_version_;  // the table version rows_ reflects
  // The order, as far as reads have asked for it (a cache, hence mutable: reads sort in
  // place, and an answer never depends on how far they have): the rows, filtered, sorted
  // once sorted_; or, while !sorted_, the first rows in order (a read keeps twice the rows
  // it needs, so that follow() can drop rows that sort further down and still serve the
  // next read) by the sort keys per row (numbers_).
  mutable std::vector<uint32_t> rows_;
  mutable bool sorted_ = false;
  mutable std::vector<uint32_t> first_rows_;
  mutable SortNumbers numbers_;
};

}  // namespace parallax
