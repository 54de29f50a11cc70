#include "query/flat_view.h"

#include <algorithm>
#include <cmath>

#include <absl/container/flat_hash_set.h>

#include "common/check.h"

namespace parallax {

Result<std::unique_ptr<FlatView>> FlatView::create(const Table& table, ViewConfig config) {
  if (!config.group_by.empty() || !config.split_by.empty()) {
    return Status::unsupported("group_by and split_by are not supported yet");
  }
  std::unique_ptr<FlatView> view(new FlatView(table, std::move(config)));
  PX_ASSIGN_OR_RETURN(view->source_, ColumnSource::create(table, view->config_.expressions,
                                                          view->config_.expression_limits));
  const Schema& schema = view->source_->schema();
  if (view->config_.columns) {
    for (const auto& name : *view->config_.columns) {
      auto position = schema.find(name);
      if (!position) return Status::invalid("columns names unknown column '{}'", name);
      view->visible_.push_back(*position);
    }
  } else {
    std::vector<std::string> names;
    for (size_t i = 0; i < schema.size(); ++i) {
      view->visible_.push_back(i);
      names.push_back(schema.field(i).name);
    }
    view->config_.columns = std::move(names);
  }
  for (const auto& aggregate : view->config_.aggregates) {
    if (!schema.find(aggregate.column))
      return Status::invalid("aggregates name unknown column '{}'", aggregate.column);
  }
  PX_ASSIGN_OR_RETURN(view->filter_,
                      RowFilter::compile(schema, view->config_.filter,
                                         view->config_.filter_op.value_or(FilterCombinator::kAnd)));
  PX_ASSIGN_OR_RETURN(view->sort_, compile_sort(schema, view->config_.sort));
  view->filter_.echo_operands(schema, view->config_.filter);
  view->update_rows();
  return view;
}

void FlatView::update_rows() {
  if (rows_version_ == table_->version()) return;
  if (!table_->is_natural_order(natural_)) natural_ = table_->rows_in_natural_order();
  std::vector<uint32_t> rows = natural_;
  if (!filter_.empty()) {
    const std::vector<uint8_t> keep = filter_.evaluate(*source_);
    std::erase_if(rows, [&](uint32_t row) { return !keep[row]; });
  }
  rows_ = std::move(rows);
  sorted_ = sort_.empty();
  first_rows_.clear();
  numbers_.clear();
  rows_version_ = table_->version();
}

void FlatView::table_changed(const ChangeSet& changes) {
  const bool source_followed = source_->apply(changes);
  if (source_followed && follow(changes)) rows_version_ = table_->version();
}

bool FlatView::follow(const ChangeSet& changes) {
  // Upserts of existing rows keep the table's rows and their natural order: only the changed
  // rows' filter result and place in the sort can move.
  if (!rows_version_ || *rows_version_ + 1 != table_->version()) return false;
  if (changes.cleared || changes.removed_rows > 0 || !changes.added_rows.empty()) return false;
  // (Without an index, a table with a limit overwrites its oldest rows: "updated" rows then
  // move to the end of the natural order.)
  if (!table_->index_position()) return false;
  const std::vector<uint32_t>& updated = changes.updated_rows;
  if (updated.empty()) return true;
  const bool natural_rows = sort_.empty() || !sorted_;  // rows_ in natural order
  auto natural_less = [&](uint32_t a, uint32_t b) { return table_->natural_less(a, b); };
  std::vector<uint8_t> keep(updated.size(), 1);
  if (!filter_.empty()) {
    if (!natural_rows) return false;
    keep = filter_.evaluate_rows(*source_, updated);
    // Each row that enters or leaves moves the rows after it: a few move one by one, more in
    // one pass over the view's rows (the leaving taken out, the entering merged in), never a
    // refresh, which evaluates the filter over every row of the table.
    std::vector<uint32_t> entering;
    absl::flat_hash_set<uint32_t> leaving;
    for (size_t i = 0; i < updated.size(); ++i) {
      const auto at = std::lower_bound(rows_.begin(), rows_.end(), updated[i], natural_less);
      const bool present = at != rows_.end() && *at == updated[i];
      if (keep[i] == present) continue;
      if (updated.size() <= 64) {
        if (keep[i]) rows_.insert(at, updated[i]);
        if (!keep[i]) rows_.erase(at);
      } else if (keep[i]) {
        entering.push_back(updated[i]);
      } else {
        leaving.insert(updated[i]);
      }
    }
    if (!leaving.empty()) std::erase_if(rows_, [&](uint32_t row) { return leaving.contains(row); });
    if (!entering.empty()) {
      std::sort(entering.begin(), entering.end(), natural_less);
      const auto before = static_cast<std::ptrdiff_t>(rows_.size());
      rows_.insert(rows_.end(), entering.begin(), entering.end());
      std::inplace_merge(rows_.begin(), rows_.begin() + before, rows_.end(), natural_less);
    }
  }
  if (sort_.empty()) return true;
  if (sorted_) return false;  // every row sorted: a refresh sorts them again at the next read
  if (!numbers_.update(*source_, updated) || first_rows_.empty()) {
    first_rows_.clear();
    return true;
  }
  // The first rows, the changed ones taken out and put back where they now sort. Rows beyond
  // the first rows sort after every one that stays, so a changed row that sorts after the last
  // one that stays may be behind one of them: the first rows end there.
  auto less = [&](uint32_t a, uint32_t b) {
    if (numbers_.before(a, b)) return true;
    if (numbers_.before(b, a)) return false;
    return natural_less(a, b);
  };
  const absl::flat_hash_set<uint32_t> changed(updated.begin(), updated.end());
  std::vector<uint32_t> stayed;
  stayed.reserve(first_rows_.size());
  for (const uint32_t row : first_rows_) {
    if (!changed.contains(row)) stayed.push_back(row);
  }
  if (stayed.empty()) {
    first_rows_.clear();
    return true;
  }
  std::vector<uint32_t> moved;
  for (size_t i = 0; i < updated.size(); ++i) {
    if (keep[i] && less(updated[i], stayed.back())) moved.push_back(updated[i]);
  }
  std::sort(moved.begin(), moved.end(), less);
  first_rows_.resize(stayed.size() + moved.size());
  std::merge(stayed.begin(), stayed.end(), moved.begin(), moved.end(), first_rows_.begin(), less);
  return true;
}

const std::vector<uint32_t>& FlatView::ordered_rows(size_t end) const {
  // Pages near the top are served from a bounded heap; deeper reads sort every row once.
  constexpr size_t kMinFirstRows = 256, kMaxFirstRows = 4096;
  if (sorted_) return rows_;
  if (end <= first_rows_.size()) return first_rows_;
  const size_t count = std::max(end, kMinFirstRows);
  if (count <= kMaxFirstRows && count <= rows_.size() / 16) {
    if (!numbers_.prepared()) numbers_.prepare(*source_, sort_);
    first_rows_ = first_sorted_rows(numbers_, rows_, std::min(2 * count, rows_.size() / 16));
    return first_rows_;
  }
  sort_rows(*source_, sort_, rows_);
  sorted_ = true;
  first_rows_.clear();
  return rows_;
}

size_t FlatView::num_rows() const {
  PX_DCHECK(is_current());
  return rows_.size();
}

std::vector<Field> FlatView::schema() const {
  std::vector<Field> fields;
  for (const size_t id : visible_) fields.push_back(source_->field(id));
  return fields;
}

std::vector<std::string> FlatView::column_paths() const {
  std::vector<std::string> paths;
  for (const size_t id : visible_) paths.push_back(source_->field(id).name);
  return paths;
}

Result<std::pair<Scalar, Scalar>> FlatView::min_max(const std::string& name) const {
  auto id = source_->find(name);
  if (!id) return Status::invalid("min_max names unknown column '{}'", name);
  PX_DCHECK(is_current());
  const Column& column = source_->column(*id);
  std::optional<uint32_t> low, high;
  visit_type(column.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    const auto& values = column.values<Storage>();
    auto less = [&](uint32_t a, uint32_t b) {
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        return column.dictionary().at(values[a]) < column.dictionary().at(values[b]);
      } else {
        return values[a] < values[b];
      }
    };
    for (const uint32_t row : rows_) {
      if (column.is_null(row)) continue;
      if (!low || less(row, *low)) low = row;
      if (!high || less(*high, row)) high = row;
    }
  });
  auto scalar_at = [&](std::optional<uint32_t> row) {
    return row ? column.scalar_at(*row) : Scalar::null(column.type());
  };
  return std::make_pair(scalar_at(low), scalar_at(high));
}

bool FlatView::is_inverted(const ViewWindow& window) const {
  PX_DCHECK(is_current());
  // As the reference: the start is compared before it is clamped to the view's rows.
  const double start = window.start_row ? std::floor(*window.start_row) : 0;
  return start >
         static_cast<double>(clamp_window_bound(window.end_row, rows_.size(), rows_.size(), true));
}

Frame FlatView::read(const ViewWindow& window, KeyColumns keys) const {
  PX_DCHECK(is_current());
  Frame frame;
  const size_t start_row = clamp_window_bound(window.start_row, 0, rows_.size(), false);
  const size_t end_row =
      std::max(start_row, clamp_window_bound(window.end_row, rows_.size(), rows_.size(), true));
  const size_t start_col = clamp_window_bound(window.start_col, 0, visible_.size(), false);
  const size_t end_col = std::max(
      start_col, clamp_window_bound(window.end_col, visible_.size(), visible_.size(), true));
  const std::vector<uint32_t>& ordered = ordered_rows(end_row);
  frame.rows.assign(ordered.begin() + start_row, ordered.begin() + end_row);

  std::vector<FrameColumn> key_columns;
  if (keys != KeyColumns::kNone && (window.id || window.index)) {
    // The keys of the window's rows, in a column the frame owns, indexed by the same row
    // positions as the table's columns.
    Column key_column = primary_keys(*table_, frame.rows, frame.rows, table_->num_rows());
    const Column& owned = frame.own(std::move(key_column));
    if (keys == KeyColumns::kLeading) {
      if (window.id) key_columns.push_back({"__ID__", &owned, true});
      if (window.index) key_columns.push_back({"__INDEX__", &owned, true});
    } else {
      if (window.index) key_columns.push_back({"__INDEX__", &owned, true});
      if (window.id) key_columns.push_back({"__ID__", &owned, true});
    }
  }
  if (keys == KeyColumns::kLeading) {
    for (auto& column : key_columns) frame.columns.push_back(column);
  }
  for (size_t i = start_col; i < end_col; ++i) {
    const size_t id = visible_[i];
    frame.columns.push_back({source_->field(id).name, &source_->column(id)});
  }
  if (keys == KeyColumns::kTrailing) {
    for (auto& column : key_columns) frame.columns.push_back(column);
  }
  // A window without any column has no rows either (to_json answers []), as the reference.
  if (frame.columns.empty()) frame.rows.clear();
  return frame;
}

Frame FlatView::read_changed(const ChangeSet& changes) const {
  PX_DCHECK(is_current());
  std::vector<uint8_t> changed(table_->num_rows(), 0);
  for (const auto* rows : {&changes.added_rows, &changes.updated_rows}) {
    for (const uint32_t row : *rows) {
      if (row < changed.size()) changed[row] = 1;
    }
  }
  Frame frame;
  // rows_ holds exactly the rows that pass the filter, in natural order until a read sorts
  // them, so the changed ones keep their view order (sort_rows keeps ties as given).
  for (const uint32_t row : rows_) {
    if (changed[row]) frame.rows.push_back(row);
  }
  if (!sorted_ && numbers_.prepared()) {  // the keys kept current by follow()
    std::stable_sort(frame.rows.begin(), frame.rows.end(),
                     [&](uint32_t a, uint32_t b) { return numbers_.before(a, b); });
  } else if (!sorted_) {
    sort_rows(*source_, sort_, frame.rows);
  }
  for (const size_t id : visible_)
    frame.columns.push_back({source_->field(id).name, &source_->column(id)});
  if (frame.columns.empty()) frame.rows.clear();
  return frame;
}

}  // namespace parallax
