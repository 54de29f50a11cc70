#include "core/table.h"

#include <algorithm>
#include <bit>
#include <numeric>
#include <utility>

#include <absl/container/flat_hash_set.h>

namespace parallax {

namespace {

// Dictionary codes of `batch_column` translated into `target`'s dictionary.
std::vector<uint32_t> remap_strings(const Column& batch_column, Column& target) {
  const StringDictionary& from = batch_column.dictionary();
  std::vector<uint32_t> codes(from.size());
  for (uint32_t code = 0; code < from.size(); ++code) {
    codes[code] = target.mutable_dictionary().intern(from.at(code));
  }
  return codes;
}

template <typename Storage>
int64_t hash_key(Storage value) {
  if constexpr (std::is_same_v<Storage, double>) {
    return std::bit_cast<int64_t>(value == 0 ? 0.0 : value);  // -0 and 0 are one key
  } else {
    return static_cast<int64_t>(value);
  }
}

}  // namespace

Table::Table(Schema schema, TableOptions options)
    : schema_(std::move(schema)), options_(std::move(options)) {
  for (const auto& field : schema_.fields()) columns_.emplace_back(field.type);
}

Result<std::unique_ptr<Table>> Table::create(Schema schema, TableOptions options) {
  if (schema.size() == 0) return Status::invalid("a table needs at least one column");
  std::optional<size_t> index_position;
  if (options.index) {
    index_position = schema.find(*options.index);
    if (!index_position) {
      return Status::invalid("index column '{}' is not in the table's columns", *options.index);
    }
    if (schema.field(*index_position).type == DataType::kBoolean) {
      return Status::invalid("index column '{}' is boolean, which cannot be a primary key",
                             *options.index);
    }
  }
  if (options.limit && *options.limit == 0) return Status::invalid("limit must be at least 1");
  if (options.limit && options.index) {
    return Status::invalid("a table cannot have both an index and a limit");
  }
  std::unique_ptr<Table> table(new Table(std::move(schema), std::move(options)));
  table->index_position_ = index_position;
  return table;
}

Status Table::check_batch(const RowBatch& batch) const {
  for (const auto& column : batch.columns) {
    auto position = schema_.find(column.name);
    if (!position) return Status::invalid("column '{}' is not in the table", column.name);
    const DataType expected = schema_.field(*position).type;
    if (column.values.type() != expected) {
      return Status::invalid("column '{}' is {} in the table, not {}", column.name,
                             type_name(expected), type_name(column.values.type()));
    }
    if (column.values.size() != batch.num_rows) {
      return Status::invalid("column '{}' has {} values for {} rows", column.name,
                             column.values.size(), batch.num_rows);
    }
  }
  return Status::ok();
}

int64_t Table::key_hash_of_row(uint32_t row) const {
  const Column& keys = columns_[*index_position_];
  return visit_type(keys.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    return hash_key(keys.value<Storage>(row));
  });
}

Result<ChangeSet> Table::update(const RowBatch& batch) {
  return apply(batch, false);
}

Result<ChangeSet> Table::load(const RowBatch& batch) {
  return apply(batch, true);
}

Result<ChangeSet> Table::apply(const RowBatch& batch, bool initial_load) {
  PX_RETURN_IF_ERROR(check_batch(batch));
  // From here on nothing can fail: the table is changed only past this point.
  ChangeSet changes;
  const size_t rows_before = num_rows_;
  std::vector<uint32_t> targets(batch.num_rows);
  std::vector<uint8_t> overwrite_all(batch.num_rows, 0);  // a new row, or a limit overwrite
  std::vector<uint32_t> string_codes;

  if (index_position_) {
    // A row without the index column (or with a null key) upserts the null-key row.
    const BatchColumn* key = batch.find(*options_.index);
    Column& table_keys = columns_[*index_position_];
    if (key != nullptr && key->values.type() == DataType::kString) {
      string_codes = remap_strings(key->values, table_keys);
    }
    visit_type(table_keys.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      for (size_t row = 0; row < batch.num_rows; ++row) {
        const bool null_key = key == nullptr || !key->is_present(row) || key->values.is_null(row);
        uint32_t* target = nullptr;
        bool inserted = false;
        if (null_key) {
          inserted = !null_key_row_.has_value();
          if (inserted) null_key_row_ = static_cast<uint32_t>(num_rows_);
          target = &*null_key_row_;
        } else {
          Storage value = key->values.values<Storage>()[row];
          if constexpr (std::is_same_v<Storage, uint32_t>) value = string_codes[value];
          auto [entry, added] = rows_by_key_.try_emplace(hash_key(value), num_rows_);
          target = &entry->second;
          inserted = added;
        }
        targets[row] = *target;
        if (inserted) {
          ++num_rows_;
          overwrite_all[row] = 1;
        }
      }
    });
  } else {
    for (size_t row = 0; row < batch.num_rows; ++row) {
      if (!options_.limit || num_rows_ < *options_.limit) {
        targets[row] = static_cast<uint32_t>(num_rows_++);
      } else {
        targets[row] = next_overwrite_;
        next_overwrite_ = (next_overwrite_ + 1) % *options_.limit;
      }
      overwrite_all[row] = 1;
      ++rows_appended_;
    }
  }

  // Each touched row once, first touch first; existing rows' cells saved before overwriting.
  if (!index_position_ && num_rows_ - rows_before == batch.num_rows) {
    // Every row appended (no key, no limit reached): each a new row, in batch order, without
    // a set of a million rows to tell.
    changes.added_rows.resize(batch.num_rows);
    std::iota(changes.added_rows.begin(), changes.added_rows.end(),
              static_cast<uint32_t>(rows_before));
  } else {
    absl::flat_hash_set<uint32_t> seen;
    seen.reserve(targets.size());
    for (const uint32_t target : targets) {
      if (!seen.insert(target).second) continue;
      (target >= rows_before ? changes.added_rows : changes.updated_rows).push_back(target);
    }
  }
  for (const Column& column : columns_) {
    changes.previous.push_back(column.gathered(changes.updated_rows));
  }

  for (size_t position = 0; position < columns_.size(); ++position) {
    Column& column = columns_[position];
    const BatchColumn* source = batch.find(schema_.field(position).name);
    if (source != nullptr && !source->present && rows_before == 0 && !index_position_ &&
        num_rows_ == batch.num_rows && column.dictionary().size() == 0) {
      // Every row is new and lands where the batch has it (a first load, usually): take the
      // column whole instead of cell by cell. Null cells hold zeros, as set_null leaves them.
      column = source->values;
      for (size_t row = 0; row < num_rows_; ++row) {
        if (column.is_null(row)) column.set_null(row);
      }
      continue;
    }
    column.resize(num_rows_);
    if (source == nullptr) {
      for (size_t row = 0; row < batch.num_rows; ++row) {
        if (overwrite_all[row] && targets[row] < rows_before) column.set_null(targets[row]);
      }
      continue;
    }
    if (column.type() == DataType::kString) string_codes = remap_strings(source->values, column);
    visit_type(column.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      const auto& values = source->values.values<Storage>();
      for (size_t row = 0; row < batch.num_rows; ++row) {
        const bool present = source->is_present(row);
        if (!present && !overwrite_all[row]) continue;
        if (initial_load && !overwrite_all[row] && present && source->values.is_null(row)) continue;
        if (!present || source->values.is_null(row)) {
          column.set_null(targets[row]);
        } else if constexpr (std::is_same_v<Storage, uint32_t>) {
          column.set<Storage>(targets[row], string_codes[values[row]]);
        } else {
          column.set<Storage>(targets[row], values[row]);
        }
      }
    });
  }

  ++version_;
  return changes;
}

void Table::remove_row(uint32_t row) {
  const uint32_t last = static_cast<uint32_t>(num_rows_ - 1);
  if (row != last) {
    for (auto& column : columns_) column.move_cell(last, row);
    if (columns_[*index_position_].is_null(row)) {
      null_key_row_ = row;
    } else {
      rows_by_key_[key_hash_of_row(row)] = row;
    }
  }
  for (auto& column : columns_) column.resize(last);
  --num_rows_;
}

Result<ChangeSet> Table::remove(const std::vector<Scalar>& keys) {
  if (!index_position_) return Status::invalid("remove needs a table with an index");
  const Column& key_column = columns_[*index_position_];
  for (const auto& key : keys) {
    if (key.valid && key.type != key_column.type()) {
      return Status::invalid("key of type {} for index '{}' of type {}", type_name(key.type),
                             *options_.index, type_name(key_column.type()));
    }
  }
  ChangeSet changes;
  // Slot -> the row it held before this change, for slots a moved row filled.
  absl::flat_hash_map<uint32_t, uint32_t> origin;
  auto original = [&](uint32_t slot) {
    const auto found = origin.find(slot);
    return found == origin.end() ? slot : found->second;
  };
  for (const auto& key : keys) {
    std::optional<uint32_t> row;
    if (!key.valid) {
      row = null_key_row_;
      null_key_row_.reset();
    } else {
      int64_t hash = 0;
      if (key.type == DataType::kString) {
        const int64_t code = key_column.dictionary().find(key.text);
        if (code < 0) continue;
        hash = code;
      } else if (key.type == DataType::kFloat) {
        hash = hash_key(key.number);
      } else {
        hash = key.integer;
      }
      auto found = rows_by_key_.find(hash);
      if (found == rows_by_key_.end()) continue;
      row = found->second;
      rows_by_key_.erase(found);
    }
    if (!row) continue;
    if (changes.removed_cells.empty()) {
      for (const Column& column : columns_) changes.removed_cells.emplace_back(column.type());
    }
    for (size_t position = 0; position < columns_.size(); ++position) {
      Column& cells = changes.removed_cells[position];
      cells.resize(cells.size() + 1);
      cells.set_from(cells.size() - 1, columns_[position], *row);
    }
    changes.removed.push_back(original(*row));
    origin[*row] = original(static_cast<uint32_t>(num_rows_ - 1));
    remove_row(*row);
    ++changes.removed_rows;
  }
  // The slots below the new end that a moved row filled (the others are past the end now).
  for (const auto& [slot, before] : origin) {
    if (slot < num_rows_) changes.moved.emplace_back(before, slot);
  }
  std::sort(changes.moved.begin(), changes.moved.end());
  if (changes.removed_rows > 0) ++version_;
  return changes;
}

ChangeSet Table::clear() {
  for (auto& column : columns_) column.clear();
  num_rows_ = 0;
  rows_by_key_.clear();
  null_key_row_.reset();
  next_overwrite_ = 0;
  ++version_;
  ChangeSet changes;
  changes.cleared = true;
  return changes;
}

Result<ChangeSet> Table::replace(const RowBatch& batch) {
  PX_RETURN_IF_ERROR(check_batch(batch));
  ChangeSet cleared = clear();
  PX_ASSIGN_OR_RETURN(ChangeSet changes, update(batch));
  changes.cleared = cleared.cleared;
  return changes;
}

std::vector<uint32_t> Table::rows_in_natural_order() const {
  std::vector<uint32_t> rows(num_rows_);
  if (!index_position_) {
    // With a limit, once full the oldest row is the next one to be overwritten.
    std::iota(rows.begin(), rows.end(), 0);
    if (options_.limit && num_rows_ == *options_.limit) {
      std::rotate(rows.begin(), rows.begin() + next_overwrite_, rows.end());
    }
    return rows;
  }
  std::iota(rows.begin(), rows.end(), 0);
  const Column& keys = columns_[*index_position_];
  visit_type(keys.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    const auto& values = keys.values<Storage>();
    auto null_first = [&](uint32_t a, uint32_t b, auto&& less) {
      const bool a_null = keys.is_null(a), b_null = keys.is_null(b);
      if (a_null || b_null) return a_null && !b_null;
      return less(a, b);
    };
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      std::sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) {
        return null_first(a, b, [&](uint32_t x, uint32_t y) {
          return keys.dictionary().at(values[x]) < keys.dictionary().at(values[y]);
        });
      });
    } else {
      std::sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) {
        return null_first(a, b, [&](uint32_t x, uint32_t y) { return values[x] < values[y]; });
      });
    }
  });
  return rows;
}

bool Table::is_natural_order(const std::vector<uint32_t>& rows) const {
  if (rows.size() != num_rows_) return false;
  if (!index_position_) return rows == rows_in_natural_order();
  // Keys strictly increasing (a null key first) means every row appears once, in order.
  const Column& keys = columns_[*index_position_];
  return visit_type(keys.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    const auto& values = keys.values<Storage>();
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] >= num_rows_) return false;
      if (i == 0) continue;
      const uint32_t a = rows[i - 1], b = rows[i];
      if (keys.is_null(b)) return false;
      if (keys.is_null(a)) continue;
      if constexpr (std::is_same_v<Storage, uint32_t>) {
        if (!(keys.dictionary().at(values[a]) < keys.dictionary().at(values[b]))) return false;
      } else {
        if (!(values[a] < values[b])) return false;
      }
    }
    return true;
  });
}

bool Table::natural_less(uint32_t a, uint32_t b) const {
  if (!index_position_) {
    // Oldest first: with a limit, once full, the next row to be overwritten is the oldest.
    const bool wrapped = options_.limit && num_rows_ == *options_.limit;
    auto age = [&](uint32_t row) {
      return wrapped ? (row + num_rows_ - next_overwrite_) % num_rows_ : row;
    };
    return age(a) < age(b);
  }
  const Column& keys = columns_[*index_position_];
  return key_less(keys, a, keys, b);
}

bool Table::key_less(const Column& a_keys, uint32_t a, const Column& b_keys, uint32_t b) {
  if (a_keys.is_null(a) || b_keys.is_null(b)) return a_keys.is_null(a) && !b_keys.is_null(b);
  return visit_type(a_keys.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      return a_keys.string_at(a) < b_keys.string_at(b);
    } else {
      return a_keys.value<Storage>(a) < b_keys.value<Storage>(b);
    }
  });
}

Scalar Table::key_of(uint32_t row) const {
  if (!index_position_) {
    // Rows without an index hold consecutive ids, oldest first in natural order.
    const bool wrapped = options_.limit && num_rows_ == *options_.limit;
    const uint64_t position = wrapped ? (row + num_rows_ - next_overwrite_) % num_rows_ : row;
    return Scalar::of_integer(DataType::kInteger,
                              static_cast<int64_t>(rows_appended_ - num_rows_ + position));
  }
  const Column& keys = columns_[*index_position_];
  if (keys.is_null(row)) return Scalar::null(keys.type());
  return visit_type(keys.type(), [&](auto tag) {
    using Storage = typename decltype(tag)::Storage;
    if constexpr (std::is_same_v<Storage, uint32_t>) {
      return Scalar::of_string(std::string(keys.string_at(row)));
    } else if constexpr (std::is_same_v<Storage, double>) {
      return Scalar::of_float(keys.value<double>(row));
    } else {
      return Scalar::of_integer(keys.type(), keys.value<Storage>(row));
    }
  });
}

size_t Table::memory_bytes() const {
  size_t bytes = rows_by_key_.capacity() * (sizeof(int64_t) + sizeof(uint32_t) + 1);
  for (const auto& column : columns_) bytes += column.memory_bytes();
  return bytes;
}

}  // namespace parallax
