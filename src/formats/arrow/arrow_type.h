// The Arrow column types Parallax reads and writes, as a plain struct (decoded once per field
// from the flatbuffer schema), and their names as the apache-arrow JavaScript library prints them.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "core/data_type.h"

namespace parallax {

namespace arrow_format {
struct Field;
}

enum class ArrowKind : uint8_t { kBool, kInt, kFloat, kUtf8, kLargeUtf8, kDate, kTimestamp };
// The Arrow specification's TimeUnit, in its order.
enum class ArrowTimeUnit : uint8_t { kSecond, kMillisecond, kMicrosecond, kNanosecond };

struct ArrowType {
  ArrowKind kind = ArrowKind::kInt;
  int bit_width = 32;        // kInt: 8, 16, 32, 64; kFloat: 32, 64
  bool is_signed = true;     // kInt
  bool date_in_days = true;  // kDate: Date32 (days) or Date64 (milliseconds)
  ArrowTimeUnit unit = ArrowTimeUnit::kMillisecond;  // kTimestamp
  std::string timezone;                              // kTimestamp; empty when none

  // Dictionary encoding: the field's values are indices (an integer type) into dictionary
  // batches of `kind` values with the id `dictionary_id`.
  bool dictionary = false;
  int64_t dictionary_id = 0;
  int index_bit_width = 32;
  bool index_signed = true;

  // Bytes per value of the data buffer: the index width for dictionaries, 0 for bool and text.
  int value_bytes() const;
  bool is_text() const { return kind == ArrowKind::kUtf8 || kind == ArrowKind::kLargeUtf8; }
};

// The field's type, or an error naming a type Parallax does not read (lists, decimals, ...).
Result<ArrowType> arrow_type_of(const arrow_format::Field& field);

// "Int32", "Float64", "Utf8", "Dictionary<Int32, Utf8>", "Date32<DAY>",
// "Timestamp<MILLISECOND, UTC>", ...: the apache-arrow library's String(type).
std::string arrow_type_name(const ArrowType& type);

// The Parallax type a column of this Arrow type becomes (see arrow_reader.h for the 64-bit
// integers that do not fit an integer column).
DataType natural_type(const ArrowType& type);

// The Arrow type Parallax writes for each of its types (as the reference writes them).
ArrowType arrow_type_for(DataType type);

}  // namespace parallax
