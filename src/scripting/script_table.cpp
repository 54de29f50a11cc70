#include "scripting/script_table.h"

#include <absl/time/time.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/temporal.h"
#include "formats/arrow_reader.h"
#include "scripting/serpent.h"

namespace parallax {

namespace {

PyValue cell_value(const Column& column, size_t row) {
  if (column.is_null(row)) return PyValue::none();
  switch (column.type()) {
    case DataType::kBoolean:
      return PyValue::boolean(column.value<uint8_t>(row) != 0);
    case DataType::kInteger:
    case DataType::kDate:
      return PyValue::of_int(column.value<int32_t>(row));
    case DataType::kFloat:
      return PyValue::of_float(column.value<double>(row));
    case DataType::kString:
      return PyValue::str(std::string(column.string_at(row)));
    case DataType::kDatetime:
      return PyValue::of_int(column.value<int64_t>(row));
  }
  return PyValue::none();
}

bool read_digits(std::string_view text, size_t at, size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

bool fits_int32(int64_t value) {
  return value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max();
}

std::string describe(const PyValue& value) {
  if (value.is_str()) return fmt::format("str '{}'", value.text.substr(0, 40));
  auto text = serpent_encode(value);
  std::string literal = text.is_ok() ? text.value().substr(text.value().find('\n') + 1) : "?";
  return fmt::format("{} {}", py_type_name(value.kind), literal.substr(0, 40));
}

// Text for a value in a string column whose cells had mixed kinds.
std::string as_text(const PyValue& value) {
  if (value.is_str()) return value.text;
  if (value.kind == PyKind::kBool) return value.integer ? "True" : "False";
  if (value.kind == PyKind::kInt) return std::to_string(value.integer);
  if (value.kind == PyKind::kFloat) {
    std::string out;
    append_python_float(out, value.number);
    return out;
  }
  return describe(value);
}

// Appends `value` as `type`; false when it is not a value of that type.
bool append_as(Column& column, const PyValue& value, bool text_for_anything) {
  if (value.is_none()) {
    column.append_null();
    return true;
  }
  switch (column.type()) {
    case DataType::kBoolean:
      if (value.kind != PyKind::kBool) return false;
      column.append<uint8_t>(value.integer ? 1 : 0);
      return true;
    case DataType::kInteger:
      if (value.kind == PyKind::kInt && fits_int32(value.integer)) {
        column.append<int32_t>(static_cast<int32_t>(value.integer));
        return true;
      }
      if (value.kind == PyKind::kFloat && std::isnan(value.number)) {
        column.append_null();
        return true;
      }
      return false;
    case DataType::kFloat:
      if (value.kind == PyKind::kInt) {
        column.append<double>(static_cast<double>(value.integer));
      } else if (value.kind == PyKind::kFloat) {
        column.append<double>(value.number);
      } else if (value.kind == PyKind::kBigInt) {
        column.append<double>(std::strtod(value.text.c_str(), nullptr));
      } else {
        return false;
      }
      return true;
    case DataType::kString:
      if (!value.is_str() && !text_for_anything) return false;
      column.append_string(as_text(value));
      return true;
    case DataType::kDate: {
      auto days = value.is_str() ? parse_script_date(value.text) : std::nullopt;
      if (!days) return false;
      column.append<int32_t>(*days);
      return true;
    }
    case DataType::kDatetime: {
      std::optional<int64_t> millis;
      if (value.is_str()) {
        millis = parse_script_datetime(value.text);
        if (!millis) {
          if (auto days = parse_script_date(value.text)) millis = date_to_millis(*days);
        }
      }
      if (!millis) return false;
      column.append<int64_t>(*millis);
      return true;
    }
  }
  return false;
}

// The type of an output column from the kind the host saw and, for text, its spelling.
DataType infer_type(std::string_view kind, const std::vector<PyValue>& values) {
  if (kind == "bool") return DataType::kBoolean;
  if (kind == "int") {
    for (const auto& value : values) {
      if (value.kind == PyKind::kBigInt ||
          (value.kind == PyKind::kInt && !fits_int32(value.integer))) {
        return DataType::kFloat;
      }
    }
    return DataType::kInteger;
  }
  if (kind == "float") return DataType::kFloat;
  if (kind == "datetime") return DataType::kDatetime;
  if (kind == "date") return DataType::kDate;
  if (kind == "str") {
    // Text in the accepted date or datetime spellings makes a date or datetime column.
    bool all_dates = true, all_datetimes = true, any = false;
    for (const auto& value : values) {
      if (!value.is_str()) continue;
      any = true;
      all_dates = all_dates && parse_script_date(value.text).has_value();
      all_datetimes = all_datetimes && (parse_script_datetime(value.text).has_value() ||
                                        parse_script_date(value.text).has_value());
      if (!all_dates && !all_datetimes) break;
    }
    if (any && all_dates) return DataType::kDate;
    if (any && all_datetimes) return DataType::kDatetime;
  }
  return DataType::kString;
}

// An IANA name: words of letters, digits, _ + - joined by '/'. (The zone loader reads any
// path it is given: "/dev/tty", "../../x" or "file:..." from a client's parameter would make
// the server open that file; a FIFO there would hold the table's runs.)
bool is_zone_name(std::string_view zone) {
  if (zone.empty() || zone.front() == '/' || zone.back() == '/' ||
      zone.find("//") != std::string_view::npos)
    return false;
  return std::all_of(zone.begin(), zone.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '+' || c == '-' || c == '/';
  });
}

Result<absl::TimeZone> load_zone(const std::string& zone) {
  absl::TimeZone loaded;
  if (!is_zone_name(zone) || !absl::LoadTimeZone(zone, &loaded)) {
    return Status::invalid("unknown time zone '{}' (an IANA name such as Europe/London)", zone);
  }
  return loaded;
}

int64_t shift_to_wall_clock(int64_t millis, const absl::TimeZone& zone) {
  return millis + int64_t{zone.At(absl::FromUnixMillis(millis)).offset} * 1000;
}

}  // namespace

PyValue script_input_from_batch(const RowBatch& batch) {
  PyValue names = PyValue::list(), types = PyValue::list(), columns = PyValue::list();
  for (const auto& column : batch.columns) {
    names.items.push_back(PyValue::str(column.name));
    types.items.push_back(PyValue::str(std::string(type_name(column.values.type()))));
    PyValue cells = PyValue::list();
    cells.items.reserve(batch.num_rows);
    for (size_t row = 0; row < batch.num_rows; ++row) {
      cells.items.push_back(column.is_present(row) ? cell_value(column.values, row)
                                                   : PyValue::none());
    }
    columns.items.push_back(std::move(cells));
  }
  PyValue table = PyValue::dict();
  table.set("names", std::move(names));
  table.set("types", std::move(types));
  table.set("columns", std::move(columns));
  return table;
}

std::optional<int32_t> parse_script_date(std::string_view text) {
  int year, month, day;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !read_digits(text, 0, 4, year) ||
      !read_digits(text, 5, 2, month) || !read_digits(text, 8, 2, day) ||
      !is_valid_civil(year, month, day)) {
    return std::nullopt;
  }
  return days_from_civil(year, month, day);
}

std::optional<int64_t> parse_script_datetime(std::string_view text) {
  if (text.size() < 19 || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  auto days = parse_script_date(text.substr(0, 10));
  int hour, minute, second;
  if (!days || !read_digits(text, 11, 2, hour) || !read_digits(text, 14, 2, minute) ||
      !read_digits(text, 17, 2, second) || hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  int64_t millis = date_to_millis(*days) + ((hour * 60 + minute) * 60 + second) * int64_t{1000};
  if (text.size() == 19) return millis;
  // .S to .SSSSSSSSS; the engine keeps milliseconds.
  if (text[19] != '.' || text.size() < 21 || text.size() > 29) return std::nullopt;
  int fraction_ms = 0, scale = 100;
  for (size_t i = 20; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    fraction_ms += (text[i] - '0') * scale;
    scale /= 10;
  }
  return millis + fraction_ms;
}

Status check_time_zone(const std::string& zone) {
  return load_zone(zone).status();
}

Result<int64_t> utc_to_zone_wall_clock(int64_t millis, const std::string& zone) {
  PX_ASSIGN_OR_RETURN(absl::TimeZone loaded, load_zone(zone));
  return shift_to_wall_clock(millis, loaded);
}

Result<int64_t> zone_wall_clock_to_utc(int64_t millis, const std::string& zone) {
  PX_ASSIGN_OR_RETURN(absl::TimeZone loaded, load_zone(zone));
  const int64_t seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  const absl::CivilSecond civil = absl::CivilSecond(1970, 1, 1) + seconds;
  const absl::Time instant = loaded.At(civil).pre;
  return absl::ToUnixMillis(instant) + (millis - seconds * 1000);
}

Result<RowBatch> batch_from_script_output(const PyValue& reply, const OutputOptions& options) {
  const PyValue* names = reply.get("names");
  const PyValue* kinds = reply.get("kinds");
  const PyValue* columns = reply.get("columns");
  const PyValue* num_rows = reply.get("num_rows");
  if (!names || !kinds || !columns || !num_rows || !names->is_sequence() || !kinds->is_sequence() ||
      !columns->is_sequence() || num_rows->kind != PyKind::kInt ||
      names->items.size() != kinds->items.size() || names->items.size() != columns->items.size()) {
    return Status::invalid("the script host's reply is not a table");
  }
  RowBatch batch;
  batch.num_rows = static_cast<size_t>(num_rows->integer);
  if (options.schema) {
    for (const auto& field : options.schema->fields()) {
      bool found = false;
      for (const auto& name : names->items)
        found = found || (name.is_str() && name.text == field.name);
      if (!found && batch.num_rows > 0) {
        return Status::invalid("output column '{}' of the declared schema is missing", field.name);
      }
    }
  }
  for (size_t i = 0; i < names->items.size(); ++i) {
    const PyValue& name = names->items[i];
    const PyValue& values = columns->items[i];
    if (!name.is_str() || !values.is_sequence() || !kinds->items[i].is_str() ||
        values.items.size() != batch.num_rows) {
      return Status::invalid("the script host's reply is not a table (column {})", i);
    }
    DataType type;
    bool lenient_text = false;
    if (options.schema) {
      auto position = options.schema->find(name.text);
      if (!position) {
        return Status::invalid("output column '{}' is not in the declared schema", name.text);
      }
      type = options.schema->field(*position).type;
    } else {
      type = infer_type(kinds->items[i].text, values.items);
      lenient_text = type == DataType::kString;
    }
    Column column(type);
    column.reserve(values.items.size());
    for (size_t row = 0; row < values.items.size(); ++row) {
      if (!append_as(column, values.items[row], lenient_text)) {
        return Status::invalid("output column '{}', row {}: expected {}, got {}", name.text, row,
                               type_name(type), describe(values.items[row]));
      }
    }
    batch.columns.push_back({name.text, std::move(column), std::nullopt});
  }
  if (options.schema) {
    // Declared columns the script never produced (no rows): typed, empty.
    for (const auto& field : options.schema->fields()) {
      if (!batch.find(field.name))
        batch.columns.push_back({field.name, Column(field.type), std::nullopt});
    }
  }
  PX_RETURN_IF_ERROR(show_in_time_zone(batch, options.time_zone));
  return batch;
}

Status show_in_time_zone(RowBatch& batch, const std::string& zone_name) {
  if (zone_name.empty()) return Status::ok();
  PX_ASSIGN_OR_RETURN(absl::TimeZone zone, load_zone(zone_name));
  for (auto& batch_column : batch.columns) {
    Column& column = batch_column.values;
    if (column.type() != DataType::kDatetime) continue;
    auto& cells = column.mutable_values<int64_t>();
    for (size_t row = 0; row < cells.size(); ++row) {
      if (column.is_valid(row)) cells[row] = shift_to_wall_clock(cells[row], zone);
    }
  }
  return Status::ok();
}

Frame frame_of_batch(const RowBatch& batch) {
  Frame frame;
  for (const auto& column : batch.columns) frame.columns.push_back({column.name, &column.values});
  frame.rows.resize(batch.num_rows);
  for (uint32_t row = 0; row < batch.num_rows; ++row) frame.rows[row] = row;
  return frame;
}

Result<RowBatch> batch_from_arrow_output(std::string_view arrow, const OutputOptions& options) {
  PX_ASSIGN_OR_RETURN(RowBatch batch, read_arrow(arrow, options.schema));
  if (options.schema) {
    PX_ASSIGN_OR_RETURN(auto fields, read_arrow_field_types(arrow));
    for (const auto& [name, type] : fields) {
      if (!options.schema->find(name)) {
        return Status::invalid("output column '{}' is not in the declared schema", name);
      }
    }
    for (const auto& field : options.schema->fields()) {
      if (!batch.find(field.name)) {
        if (batch.num_rows > 0) {
          return Status::invalid("output column '{}' of the declared schema is missing",
                                 field.name);
        }
        batch.columns.push_back({field.name, Column(field.type), std::nullopt});
      }
    }
  }
  PX_RETURN_IF_ERROR(show_in_time_zone(batch, options.time_zone));
  return batch;
}

PyValue iso_cell_value(const Column& column, size_t row) {
  PyValue value = cell_value(column, row);
  if (value.kind == PyKind::kInt && column.type() == DataType::kDate) {
    return PyValue::str(format_date_iso(static_cast<int32_t>(value.integer)));
  }
  if (value.kind == PyKind::kInt && column.type() == DataType::kDatetime) {
    std::string text = format_datetime_iso(value.integer);
    text[10] = 'T';
    return PyValue::str(text + "000");
  }
  return value;
}

PyValue last_value_in(const RowBatch& batch, std::string_view column_name) {
  const BatchColumn* column = batch.find(column_name);
  if (!column || batch.num_rows == 0) return PyValue::none();
  return iso_cell_value(column->values, batch.num_rows - 1);
}

}  // namespace parallax
