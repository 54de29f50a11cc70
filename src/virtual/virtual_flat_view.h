// A view without group_by over a virtual table: the filter, the sort (hidden columns too,
// ties in primary-key order as the engine's natural order) and the window run in the
// database; only the window's rows come back.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "virtual/virtual_table.h"

namespace parallax {

class VirtualFlatView final : public VirtualView {
 public:
  static Result<std::unique_ptr<VirtualFlatView>> create(const VirtualTable& table,
                                                         ViewConfig config);

  const ViewConfig& config() const override { return config_; }
  size_t num_rows() const override { return rows_; }
  size_t num_columns() const override { return visible_.size(); }
  std::vector<Field> schema() const override;
  std::vector<std::string> column_paths() const override;
  Result<std::pair<Scalar, Scalar>> min_max(const std::string& column) const override;
  Frame read(const ViewWindow& window, KeyColumns keys) const override;
  bool is_inverted(const ViewWindow& window) const override;
  Status check_window(const ViewWindow& window) const override;
  std::vector<Field> expression_schema() const override { return source().expression_fields(); }
  Result<bool> rerun() override;

 private:
  VirtualFlatView(const VirtualTable& table, ViewConfig config)
      : VirtualView(table), config_(std::move(config)) {}
  std::optional<std::pair<size_t, size_t>> last_rows() const override {
    if (!last_) return std::nullopt;
    return std::pair{last_->start, last_->end};
  }
  // The rows [start, end) of the columns [start_col, end_col), and the keys when asked.
  struct Window {
    size_t start = 0, end = 0, start_col = 0, end_col = 0;
    bool keys = false;
    std::vector<Column> columns;  // visible_[start_col..end_col), then the key
    bool operator==(const Window& other) const {
      return start == other.start && end == other.end && start_col == other.start_col &&
             end_col == other.end_col && keys == other.keys;
    }
  };
  Window bounds(const ViewWindow& window, bool keys) const;
  // Reads `window` (bounds set) from the database, or answers the one last read.
  Result<const Window*> fetch(Window window) const;
  Status count();

  ViewConfig config_;
  std::vector<size_t> visible_;  // table column positions
  std::string where_, order_by_;
  size_t rows_ = 0;
  mutable std::optional<Window> last_;  // the window last read
};

}  // namespace parallax
