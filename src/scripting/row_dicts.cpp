#include "scripting/row_dicts.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "core/temporal.h"
#include "scripting/script_table.h"

namespace parallax {

namespace {

// A plain value and what it is ("bool", "int", "float", "str", "date", "datetime", "mixed"),
// or "" for None.
struct Plain {
  PyValue value;
  std::string kind;
};

Plain datetime_value(int64_t millis) {
  std::string text = format_datetime_iso(millis);
  text[10] = 'T';
  return {PyValue::str(std::move(text)), "datetime"};
}

Plain date_value(int32_t days) {
  return {PyValue::str(format_date_iso(days)), "date"};
}

const PyValue* arg(const PyValue& object, size_t i) {
  const PyValue* args = object.get("args");
  return args && args->is_sequence() && i < args->items.size() ? &args->items[i] : nullptr;
}

std::string class_of(const PyValue& value) {
  const PyValue* name = value.is_dict() ? value.get("__class__") : nullptr;
  return name && name->is_str() ? name->text : "";
}

bool is_number(const PyValue* value) {
  return value && (value->kind == PyKind::kInt || value->kind == PyKind::kFloat);
}
double number(const PyValue& value) {
  return value.kind == PyKind::kInt ? static_cast<double>(value.integer) : value.number;
}

// datetime.timezone(timedelta(days, seconds, microseconds)) as milliseconds east of UTC.
Result<int64_t> offset_of(const PyValue& zone) {
  const std::string zone_class = class_of(zone);
  if (zone_class == "pytz._UTC") return 0;
  const PyValue* delta = zone_class == "datetime.timezone" ? arg(zone, 0) : nullptr;
  if (!delta || class_of(*delta) != "datetime.timedelta") {
    return Status::invalid(
        "a datetime with the time zone object '{}' (return naive UTC datetimes "
        "or datetime.timezone offsets)",
        zone_class.empty() ? "?" : zone_class);
  }
  double millis = 0;
  const double scale[] = {86'400'000.0, 1000.0, 0.001};
  for (size_t i = 0; i < 3; ++i) {
    if (const PyValue* part = arg(*delta, i); is_number(part)) millis += number(*part) * scale[i];
  }
  return static_cast<int64_t>(std::llround(millis));
}

// datetime.datetime(b'yyMDhms' + 3 bytes of microseconds[, tzinfo]) and datetime.date(b'yyMD').
Result<Plain> python_datetime(const PyValue& object, bool with_time) {
  const PyValue* state = arg(object, 0);
  const size_t size = with_time ? 10 : 4;
  if (!state || state->kind != PyKind::kBytes || state->text.size() != size) {
    return Status::invalid("a {} whose state is not {} bytes", with_time ? "datetime" : "date",
                           size);
  }
  const auto* b = reinterpret_cast<const unsigned char*>(state->text.data());
  const int year = b[0] * 256 + b[1], month = b[2] & 0x7F, day = b[3];  // 0x80: the fold
  if (!is_valid_civil(year, month, day)) return Status::invalid("a date out of range");
  const int32_t days = days_from_civil(year, month, day);
  if (!with_time) return date_value(days);
  int64_t millis = date_to_millis(days) + ((b[4] * 60 + b[5]) * 60 + b[6]) * int64_t{1000} +
                   ((b[7] << 16) | (b[8] << 8) | b[9]) / 1000;
  if (const PyValue* zone = arg(object, 1); zone && !zone->is_none()) {
    PX_ASSIGN_OR_RETURN(int64_t offset, offset_of(*zone));
    millis -= offset;
  }
  return datetime_value(millis);
}

// numpy's scalar(dtype, bytes): numbers, booleans, datetime64 (dates and datetimes).
Result<Plain> numpy_scalar(const PyValue& object) {
  const PyValue* dtype = arg(object, 0);
  const PyValue* data = arg(object, 1);
  const PyValue* code = dtype ? arg(*dtype, 0) : nullptr;
  if (!code || !code->is_str() || code->text.size() < 2 || !data || data->kind != PyKind::kBytes) {
    return Status::invalid("a numpy scalar without its dtype or bytes");
  }
  const char letter = code->text[0];
  const size_t width = static_cast<size_t>(std::atoi(code->text.c_str() + 1));
  if (width != data->text.size() || width > 8 || width == 0) {
    return Status::invalid("a numpy {} scalar of {} bytes", code->text, data->text.size());
  }
  // The dtype's state: (version, byte order, ..., (metadata, (unit, ...))) for datetime64.
  const PyValue* state = dtype->get("state");
  std::string bytes = data->text;
  if (state && state->is_sequence() && state->items.size() > 1 && state->items[1].is_str() &&
      state->items[1].text == ">") {
    std::reverse(bytes.begin(), bytes.end());
  }
  uint64_t raw = 0;
  std::memcpy(&raw, bytes.data(), width);  // little-endian, as x86 and arm64 are
  const auto as_signed = [&] {
    const int shift = static_cast<int>(64 - 8 * width);
    return static_cast<int64_t>(raw << shift) >> shift;
  };
  switch (letter) {
    case 'b':
      return Plain{PyValue::boolean(raw != 0), "bool"};
    case 'i':
      return Plain{PyValue::of_int(as_signed()), "int"};
    case 'u':
      if (raw > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return Plain{PyValue::of_float(static_cast<double>(raw)), "float"};
      return Plain{PyValue::of_int(static_cast<int64_t>(raw)), "int"};
    case 'f':
      if (width == 8) {
        double value;
        std::memcpy(&value, &raw, 8);
        return Plain{PyValue::of_float(value), "float"};
      }
      if (width == 4) {
        float value;
        std::memcpy(&value, &raw, 4);
        return Plain{PyValue::of_float(value), "float"};
      }
      break;
    case 'M': {
      const int64_t value = as_signed();
      if (value == std::numeric_limits<int64_t>::min()) return Plain{PyValue::none(), ""};  // NaT
      const PyValue* last =
          state && state->is_sequence() && !state->items.empty() ? &state->items.back() : nullptr;
      const PyValue* unit_info =
          last && last->is_sequence() && last->items.size() == 2 ? &last->items[1] : nullptr;
      const std::string unit = unit_info && unit_info->is_sequence() && !unit_info->items.empty()
                                   ? unit_info->items[0].text
                                   : "";
      if (unit == "D") return date_value(static_cast<int32_t>(value));
      static const std::map<std::string, double> kMillisPer = {
          {"s", 1000.0}, {"ms", 1.0}, {"us", 1e-3}, {"ns", 1e-6}};
      const auto scale = kMillisPer.find(unit);
      if (scale == kMillisPer.end())
        return Status::invalid("a numpy datetime64 in unit '{}' (use D, s, ms, us or ns)", unit);
      return datetime_value(
          static_cast<int64_t>(std::floor(static_cast<double>(value) * scale->second)));
    }
  }
  return Status::invalid("a numpy scalar of dtype '{}'", code->text);
}

// pandas' _unpickle_timestamp(value, freq, tz[, unit]): value is UTC in the unit (ns before
// pandas 2; NPY_DATETIMEUNIT 7 s, 8 ms, 9 us, 10 ns).
Result<Plain> pandas_timestamp(const PyValue& object) {
  const PyValue* value = arg(object, 0);
  if (!value || value->kind != PyKind::kInt) return Status::invalid("a Timestamp without a value");
  double per_milli = 1e6;
  if (const PyValue* unit = arg(object, 3); unit && unit->kind == PyKind::kInt) {
    const double scales[] = {1e-3, 1.0, 1e3, 1e6};  // s, ms, us, ns
    if (unit->integer < 7 || unit->integer > 10)
      return Status::invalid("a Timestamp in unit {}", unit->integer);
    per_milli = scales[unit->integer - 7];
  }
  return datetime_value(
      static_cast<int64_t>(std::floor(static_cast<double>(value->integer) / per_milli)));
}

Result<Plain> plain_value(const PyValue& value) {
  switch (value.kind) {
    case PyKind::kNone:
      return Plain{value, ""};
    case PyKind::kBool:
      return Plain{value, "bool"};
    case PyKind::kInt:
    case PyKind::kBigInt:
      return Plain{value, "int"};
    case PyKind::kFloat:
      return Plain{value, "float"};
    case PyKind::kStr:
      return Plain{value, "str"};
    case PyKind::kDict: {
      const std::string name = class_of(value);
      if (name.empty()) break;
      if (name == "datetime.datetime") return python_datetime(value, true);
      if (name == "datetime.date") return python_datetime(value, false);
      if (name.ends_with(".multiarray.scalar")) return numpy_scalar(value);
      if (name == "pandas._libs.tslibs.timestamps._unpickle_timestamp")
        return pandas_timestamp(value);
      if (name == "pandas._libs.tslibs.nattype.__nat_unpickle") return Plain{PyValue::none(), ""};
      return Status::invalid("a value of class '{}'", name);
    }
    default:
      break;
  }
  return Plain{value, "mixed"};  // kept as its text
}

// As the script host combines a column's kinds.
std::string column_kind(std::set<std::string> kinds) {
  kinds.erase("");
  if (kinds.size() == 1) return *kinds.begin();
  if (kinds.empty()) return "none";
  const auto within = [&](std::set<std::string> allowed) {
    return std::includes(allowed.begin(), allowed.end(), kinds.begin(), kinds.end());
  };
  if (within({"float", "int"})) return "float";
  if (within({"date", "datetime"})) return "datetime";
  return "mixed";
}

}  // namespace

PyValue dicts_of_batch(const RowBatch& batch) {
  PyValue rows = PyValue::list();
  rows.items.reserve(batch.num_rows);
  for (size_t row = 0; row < batch.num_rows; ++row) {
    PyValue dict = PyValue::dict();
    for (const auto& column : batch.columns) {
      dict.entries.emplace_back(PyValue::str(column.name), column.is_present(row)
                                                               ? iso_cell_value(column.values, row)
                                                               : PyValue::none());
    }
    rows.items.push_back(std::move(dict));
  }
  return rows;
}

Result<PyValue> columns_of_dicts(const PyValue& rows) {
  if (!rows.is_sequence()) {
    return Status::invalid("the Pyro object returned no list of dicts (a {})",
                           rows.is_dict() ? "dict" : "value of another kind");
  }
  std::vector<std::string> names;
  std::map<std::string, size_t> position;
  std::vector<std::vector<PyValue>> columns;
  std::vector<std::set<std::string>> kinds;
  for (size_t row = 0; row < rows.items.size(); ++row) {
    const PyValue& dict = rows.items[row];
    if (!dict.is_dict() || !class_of(dict).empty())
      return Status::invalid("row {} is not a dict", row);
    for (const auto& [key, cell] : dict.entries) {
      if (!key.is_str()) return Status::invalid("row {} has a key that is not text", row);
      auto [at, added] = position.emplace(key.text, names.size());
      if (added) {
        names.push_back(key.text);
        columns.emplace_back(row, PyValue::none());
        kinds.emplace_back();
      }
      auto plain = plain_value(cell);
      if (!plain.is_ok()) {
        return Status::invalid("row {}, column '{}': {}", row, key.text, plain.status().message());
      }
      columns[at->second].resize(row, PyValue::none());
      columns[at->second].push_back(std::move(plain->value));
      kinds[at->second].insert(plain->kind);
    }
  }
  PyValue reply = PyValue::dict();
  PyValue name_list = PyValue::list(), kind_list = PyValue::list(), column_list = PyValue::list();
  for (size_t i = 0; i < names.size(); ++i) {
    columns[i].resize(rows.items.size(), PyValue::none());
    name_list.items.push_back(PyValue::str(names[i]));
    kind_list.items.push_back(PyValue::str(column_kind(std::move(kinds[i]))));
    column_list.items.push_back(PyValue::list(std::move(columns[i])));
  }
  reply.set("names", std::move(name_list));
  reply.set("kinds", std::move(kind_list));
  reply.set("columns", std::move(column_list));
  reply.set("num_rows", PyValue::of_int(static_cast<int64_t>(rows.items.size())));
  return reply;
}

}  // namespace parallax
