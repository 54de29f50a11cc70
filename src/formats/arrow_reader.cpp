#include "formats/arrow_reader.h"

#include <cstring>
#include <limits>
#include <optional>

#include "core/temporal.h"
#include "formats/arrow/ipc_decoder.h"
#include "formats/decode_limits.h"

namespace parallax {

namespace {

template <typename T>
T load(const uint8_t* data) {
  T value;
  std::memcpy(&value, data, sizeof(T));
  return value;
}

int64_t floor_divide(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  if (value % divisor < 0) --quotient;
  return quotient;
}

// Calls f(T{}) with the C++ type of an Arrow integer (or dictionary index) type.
template <typename F>
decltype(auto) visit_integer(int bit_width, bool is_signed, F&& f) {
  switch (bit_width) {
    case 8:
      return is_signed ? f(int8_t{}) : f(uint8_t{});
    case 16:
      return is_signed ? f(int16_t{}) : f(uint16_t{});
    case 32:
      return is_signed ? f(int32_t{}) : f(uint32_t{});
    default:
      return is_signed ? f(int64_t{}) : f(uint64_t{});
  }
}

// Arrow integers that may not fit a 32-bit integer column.
bool may_overflow_int32(const ArrowType& type) {
  return type.kind == ArrowKind::kInt &&
         (type.bit_width == 64 || (type.bit_width == 32 && !type.is_signed));
}

template <typename In>
bool fits_int32(In value) {
  if constexpr (std::is_signed_v<In>) {
    return value >= std::numeric_limits<int32_t>::min() &&
           value <= std::numeric_limits<int32_t>::max();
  } else {
    return value <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max());
  }
}

// The first valid row of `array` whose integer does not fit 32 bits, or -1.
int64_t first_beyond_int32(const ArrowType& type, const ArrowArray& array) {
  return visit_integer(type.bit_width, type.is_signed, [&](auto tag) -> int64_t {
    using In = decltype(tag);
    for (int64_t row = 0; row < array.length; ++row) {
      if (!fits_int32(load<In>(array.values + row * sizeof(In))) && array.is_valid(row)) {
        return row;
      }
    }
    return -1;
  });
}

// Converts `length` values of type In to Out with `convert`, appending to `out`; a plain copy
// when nothing changes.
template <typename In, typename Out, typename Convert>
void append_values(std::vector<Out>& out, const ArrowArray& array, Convert convert) {
  const size_t base = out.size();
  const auto length = static_cast<size_t>(array.length);
  out.resize(base + length);
  Out* destination = out.data() + base;
  if constexpr (std::is_same_v<In, Out> && std::is_same_v<Convert, std::identity>) {
    if (length > 0) std::memcpy(destination, array.values, length * sizeof(Out));
  } else {
    for (size_t row = 0; row < length; ++row) {
      destination[row] = convert(load<In>(array.values + row * sizeof(In)));
    }
  }
  // Null cells hold zero, as appended nulls do, whatever the input had there.
  if (array.validity != nullptr) {
    for (size_t row = 0; row < length; ++row) {
      if (!array.is_valid(static_cast<int64_t>(row))) destination[row] = Out{};
    }
  }
}

// Milliseconds of a timestamp in `unit`; false when it does not fit.
bool to_millis(int64_t value, ArrowTimeUnit unit, int64_t& millis) {
  switch (unit) {
    case ArrowTimeUnit::kSecond:
      return !__builtin_mul_overflow(value, int64_t{1000}, &millis);
    case ArrowTimeUnit::kMillisecond:
      millis = value;
      return true;
    case ArrowTimeUnit::kMicrosecond:
      millis = floor_divide(value, 1000);
      return true;
    case ArrowTimeUnit::kNanosecond:
      break;
  }
  millis = floor_divide(value, 1'000'000);
  return true;
}

class ColumnReader {
 public:
  ColumnReader(const ArrowField& field, Column& column) : field_(field), column_(column) {}

  Status append(const ArrowArray& array) {
    const size_t before = column_.size();
    if (array.validity != nullptr) {
      column_.mutable_validity().append_bits(array.validity, static_cast<size_t>(array.length));
    } else {
      column_.mutable_validity().append_run(true, static_cast<size_t>(array.length));
    }
    Status status = append_values_of(array, before);
    if (!status.is_ok()) column_.resize(before);
    return status;
  }

 private:
  const ArrowType& type() const { return field_.type; }

  Status cannot_read() const {
    return Status::invalid("cannot read Arrow {} column '{}' as {}", arrow_type_name(type()),
                           field_.name, type_name(column_.type()));
  }
  Status out_of_range(int64_t row) const {
    return Status::invalid("Arrow column '{}', row {}: the value does not fit its {} column",
                           field_.name, row, type_name(column_.type()));
  }

  Status append_values_of(const ArrowArray& array, size_t before) {
    switch (column_.type()) {
      case DataType::kBoolean:
        return append_booleans(array);
      case DataType::kInteger:
        return append_integers(array);
      case DataType::kFloat:
        return append_floats(array);
      case DataType::kString:
        return append_strings(array, before);
      case DataType::kDate:
        return append_dates(array);
      case DataType::kDatetime:
        break;
    }
    return append_datetimes(array);
  }

  Status append_booleans(const ArrowArray& array) {
    if (type().kind != ArrowKind::kBool || type().dictionary) return cannot_read();
    auto& out = column_.mutable_values<uint8_t>();
    const size_t base = out.size();
    out.resize(base + static_cast<size_t>(array.length));
    for (int64_t row = 0; row < array.length; ++row) {
      out[base + row] = array.is_valid(row) && ((array.values[row >> 3] >> (row & 7)) & 1);
    }
    return Status::ok();
  }

  Status append_integers(const ArrowArray& array) {
    if (type().kind == ArrowKind::kFloat) {
      return type().bit_width == 64 ? append_truncated<double>(array)
                                    : append_truncated<float>(array);
    }
    if (type().kind != ArrowKind::kInt) return cannot_read();
    if (may_overflow_int32(type())) {
      if (int64_t row = first_beyond_int32(type(), array); row >= 0) return out_of_range(row);
    }
    auto& out = column_.mutable_values<int32_t>();
    visit_integer(type().bit_width, type().is_signed, [&](auto tag) {
      using In = decltype(tag);
      if constexpr (std::is_same_v<In, int32_t>) {
        append_values<In>(out, array, std::identity{});
      } else {
        append_values<In>(out, array, [](In value) { return static_cast<int32_t>(value); });
      }
    });
    return Status::ok();
  }

  // Floats into an integer column truncate towards zero, as JSON's do (pandas makes float
  // columns of integers with gaps); a value no 32-bit integer holds fails the read.
  template <typename In>
  Status append_truncated(const ArrowArray& array) {
    // (false for NaN too; null cells may hold anything, so they are checked before the cast)
    auto fits = [](double value) { return value > -2147483649.0 && value < 2147483648.0; };
    for (int64_t row = 0; row < array.length; ++row) {
      if (!fits(load<In>(array.values + row * sizeof(In))) && array.is_valid(row)) {
        return out_of_range(row);
      }
    }
    append_values<In>(column_.mutable_values<int32_t>(), array,
                      [&](In value) { return fits(value) ? static_cast<int32_t>(value) : 0; });
    return Status::ok();
  }

  Status append_floats(const ArrowArray& array) {
    auto& out = column_.mutable_values<double>();
    if (type().kind == ArrowKind::kFloat) {
      if (type().bit_width == 64) {
        append_values<double>(out, array, std::identity{});
      } else {
        append_values<float>(out, array, [](float value) { return static_cast<double>(value); });
      }
      return Status::ok();
    }
    if (type().kind != ArrowKind::kInt) return cannot_read();
    visit_integer(type().bit_width, type().is_signed, [&](auto tag) {
      using In = decltype(tag);
      append_values<In>(out, array, [](In value) { return static_cast<double>(value); });
    });
    return Status::ok();
  }

  Status append_dates(const ArrowArray& array) {
    auto& out = column_.mutable_values<int32_t>();
    if (type().kind == ArrowKind::kDate && type().date_in_days) {
      append_values<int32_t>(out, array, std::identity{});
      return Status::ok();
    }
    return append_converted_millis(array, out, [](int64_t millis, int32_t& days) {
      const int64_t wide = floor_divide(millis, kMillisPerDay);
      days = static_cast<int32_t>(wide);
      return wide == days;
    });
  }

  Status append_datetimes(const ArrowArray& array) {
    auto& out = column_.mutable_values<int64_t>();
    if (type().kind == ArrowKind::kDate && type().date_in_days) {
      append_values<int32_t>(out, array, [](int32_t days) { return date_to_millis(days); });
      return Status::ok();
    }
    if (type().kind == ArrowKind::kTimestamp && type().unit == ArrowTimeUnit::kMillisecond) {
      append_values<int64_t>(out, array, std::identity{});
      return Status::ok();
    }
    return append_converted_millis(array, out, [](int64_t millis, int64_t& out_millis) {
      out_millis = millis;
      return true;
    });
  }

  // Date64 and timestamps, through UTC milliseconds, into `out` with `store(millis, value)`.
  template <typename Out, typename Store>
  Status append_converted_millis(const ArrowArray& array, std::vector<Out>& out, Store store) {
    const bool timestamp = type().kind == ArrowKind::kTimestamp;
    if (!timestamp && type().kind != ArrowKind::kDate) return cannot_read();
    const ArrowTimeUnit unit = timestamp ? type().unit : ArrowTimeUnit::kMillisecond;
    const size_t base = out.size();
    out.resize(base + static_cast<size_t>(array.length));
    for (int64_t row = 0; row < array.length; ++row) {
      int64_t millis = 0;
      Out value{};
      if (!array.is_valid(row)) {
        out[base + row] = Out{};
      } else if (to_millis(load<int64_t>(array.values + row * 8), unit, millis) &&
                 store(millis, value)) {
        out[base + row] = value;
      } else {
        out.resize(base);
        return out_of_range(row);
      }
    }
    return Status::ok();
  }

  Status append_strings(const ArrowArray& array, size_t before) {
    if (!type().is_text()) return cannot_read();
    auto& out = column_.mutable_values<uint32_t>();
    out.resize(before + static_cast<size_t>(array.length));
    if (type().dictionary) {
      append_dictionary_codes(array, before);
    } else if (type().kind == ArrowKind::kUtf8) {
      append_text<int32_t>(array, before);
    } else {
      append_text<int64_t>(array, before);
    }
    return Status::ok();
  }

  template <typename Offset>
  void append_text(const ArrowArray& array, size_t before) {
    auto& out = column_.mutable_values<uint32_t>();
    StringDictionary& strings = column_.mutable_dictionary();
    const char* text = reinterpret_cast<const char*>(array.values);
    for (int64_t row = 0; row < array.length; ++row) {
      if (!array.is_valid(row)) continue;  // the code stays 0, as for appended nulls
      const auto begin = static_cast<size_t>(load<Offset>(array.offsets + row * sizeof(Offset)));
      const auto end =
          static_cast<size_t>(load<Offset>(array.offsets + (row + 1) * sizeof(Offset)));
      out[before + row] = strings.intern(std::string_view(text + begin, end - begin));
    }
  }

  // Each dictionary entry the rows use is interned once; then indices map to codes in a
  // tight loop (the decoder checked every valid index against the dictionary's size).
  void append_dictionary_codes(const ArrowArray& array, size_t before) {
    const ArrowDictionary& dictionary = *array.dictionary;
    if (array.dictionary != dictionary_) {
      dictionary_ = array.dictionary;
      codes_.assign(dictionary.values.size(), kUnused);
    }
    uint32_t* out = column_.mutable_values<uint32_t>().data() + before;
    ValidityBitmap& validity = column_.mutable_validity();
    visit_integer(type().index_bit_width, type().index_signed, [&](auto tag) {
      using Index = decltype(tag);
      auto index_at = [&](int64_t row) {
        return static_cast<size_t>(load<Index>(array.values + row * sizeof(Index)));
      };
      bool null_entries = false;
      for (int64_t row = 0; row < array.length; ++row) {
        if (!array.is_valid(row)) continue;
        uint32_t& code = codes_[index_at(row)];
        if (code != kUnused) continue;
        const size_t index = index_at(row);
        null_entries |= !dictionary.valid[index];
        code = dictionary.valid[index]
                   ? column_.mutable_dictionary().intern(dictionary.values[index])
                   : kNullEntry;
      }
      const size_t size = codes_.size();
      for (int64_t row = 0; row < array.length; ++row) {
        const size_t index = index_at(row);  // unchecked in null rows, which are fixed below
        out[row] = index < size ? codes_[index] : 0;
      }
      if (array.validity == nullptr && !null_entries) return;
      for (int64_t row = 0; row < array.length; ++row) {
        if (!array.is_valid(row)) {
          out[row] = 0;
        } else if (out[row] == kNullEntry) {
          out[row] = 0;
          validity.set(before + row, false);
        }
      }
    });
  }

  static constexpr uint32_t kUnused = UINT32_MAX;         // not interned yet
  static constexpr uint32_t kNullEntry = UINT32_MAX - 1;  // a null dictionary entry

  const ArrowField& field_;
  Column& column_;
  // The column's codes of the current dictionary's entries.
  std::shared_ptr<const ArrowDictionary> dictionary_;
  std::vector<uint32_t> codes_;
};

// The type a field becomes when nothing asks for another.
DataType inferred_type(const ArrowContents& contents, size_t field) {
  const ArrowType& type = contents.fields[field].type;
  if (!may_overflow_int32(type)) return natural_type(type);
  for (const auto& batch : contents.batches) {
    if (first_beyond_int32(type, batch[field]) >= 0) return DataType::kFloat;
  }
  return DataType::kInteger;
}

}  // namespace

Result<RowBatch> read_arrow(std::string_view bytes, const Schema* schema, size_t max_decoded_bytes,
                            TaskPool* pool) {
  PX_ASSIGN_OR_RETURN(ArrowContents contents, decode_arrow(bytes, max_decoded_bytes));
  // The columns about to be made: rows of nulls or of one-bit booleans take next to no bytes
  // in Arrow.
  const auto cells = static_cast<size_t>(contents.num_rows) * contents.fields.size();
  if (cells > (max_decoded_bytes - contents.made_bytes) / kDecodedCellBytes)
    return decoded_size_exceeded(max_decoded_bytes);
  // The fields read, and as what.
  std::vector<size_t> fields;
  std::vector<DataType> types;
  for (size_t i = 0; i < contents.fields.size(); ++i) {
    if (schema != nullptr) {
      const std::optional<size_t> position = schema->find(contents.fields[i].name);
      if (!position) continue;
      types.push_back(schema->field(*position).type);
    } else {
      types.push_back(DataType::kString);  // inferred below, on the column's task
    }
    fields.push_back(i);
  }
  // A column per task: each reads its field from every record batch in order, so the columns
  // (and the first error, in field order) are one thread's.
  const auto num_rows = static_cast<size_t>(contents.num_rows);
  std::vector<std::optional<BatchColumn>> columns(fields.size());
  std::vector<Status> results(fields.size());
  TaskPool::run_on(pool, fields.size(), [&](size_t i) {
    const ArrowField& field = contents.fields[fields[i]];
    const DataType type = schema != nullptr ? types[i] : inferred_type(contents, fields[i]);
    BatchColumn column{field.name, Column(type), std::nullopt};
    column.values.reserve(num_rows);
    ColumnReader reader(field, column.values);
    for (const auto& arrays : contents.batches) {
      results[i] = reader.append(arrays[fields[i]]);
      if (!results[i].is_ok()) return;
    }
    columns[i].emplace(std::move(column));
  });
  for (const auto& status : results) PX_RETURN_IF_ERROR(status);
  RowBatch batch;
  batch.num_rows = num_rows;
  // Reserved: a column's move may copy (its dictionary's deque), re-interning every string.
  batch.columns.reserve(columns.size());
  for (auto& column : columns) batch.columns.push_back(std::move(*column));
  return batch;
}

Result<std::vector<std::pair<std::string, std::string>>> read_arrow_field_types(
    std::string_view bytes) {
  PX_ASSIGN_OR_RETURN(std::vector<ArrowField> fields, decode_arrow_schema(bytes));
  std::vector<std::pair<std::string, std::string>> types;
  for (const auto& field : fields) types.emplace_back(field.name, arrow_type_name(field.type));
  return types;
}

}  // namespace parallax
