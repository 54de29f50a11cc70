// A view with split_by but no group_by over a virtual table: as the engine's, each row is a
// table row (its cells in the columns of its split combination, null in the others, a null
// cell shown as the type's zero) under a hidden totals row that collapse(0) folds. The
// combinations are fetched first (split_combos.h); the filter, the row sort (by the shown
// cells, ties by primary key) and the row window run in the database, which sends each
// window row with its split values, so nothing is pivoted in SQL.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "virtual/split_combos.h"
#include "virtual/virtual_table.h"

namespace parallax {

class VirtualSplitView final : public VirtualView {
 public:
  static Result<std::unique_ptr<VirtualSplitView>> create(const VirtualTable& table,
                                                          ViewConfig config);

  const ViewConfig& config() const override { return config_; }
  size_t num_rows() const override { return collapsed_ ? 0 : rows_; }
  size_t num_columns() const override { return combos_.size() * values_.size(); }
  std::vector<Field> schema() const override;
  std::vector<std::string> column_paths() const override;
  Result<std::pair<Scalar, Scalar>> min_max(const std::string& column) const override;
  Frame read(const ViewWindow& window, KeyColumns keys) const override;
  bool is_inverted(const ViewWindow& window) const override;
  Status check_window(const ViewWindow& window) const override;
  std::vector<Field> expression_schema() const override { return source().expression_fields(); }
  Result<int64_t> expand(size_t row) override;
  Result<int64_t> collapse(size_t row) override;
  Status set_depth(size_t depth) override;
  Result<bool> rerun() override;

 private:
  VirtualSplitView(const VirtualTable& table, ViewConfig config)
      : VirtualView(table), config_(std::move(config)) {}
  std::optional<std::pair<size_t, size_t>> last_rows() const override {
    if (!last_) return std::nullopt;
    return std::pair{last_->start, last_->end};
  }
  // The rows [start, end): each one's cells per shown column (all combinations), and keys.
  struct Window {
    size_t start = 0, end = 0;
    bool keys = false;
    std::vector<Column> cells;  // [combination * values + value]
    std::optional<Column> key;
  };
  Result<const Window*> fetch(size_t start, size_t end, bool keys) const;
  std::pair<size_t, size_t> rows_of(const ViewWindow& window) const;
  std::pair<size_t, size_t> columns_of(const ViewWindow& window) const;
  Status count();

  ViewConfig config_;
  std::vector<size_t> values_;     // table positions of the shown columns
  std::vector<size_t> split_by_;   // table positions
  std::vector<size_t> sort_only_;  // sorted-by columns not shown (schema lists them)
  std::string where_, order_by_;
  std::vector<SplitCombo> combos_;
  absl::flat_hash_map<std::string, uint32_t> combo_of_key_;
  size_t rows_ = 0;
  bool row_sorted_ = false;  // a sort orders the rows
  bool collapsed_ = false;   // the hidden totals row folded (collapse(0)), as the engine
  mutable std::optional<Window> last_;
};

}  // namespace parallax
