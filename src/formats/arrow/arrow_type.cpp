#include "formats/arrow/arrow_type.h"

#include <fmt/format.h>

#include "formats/arrow/schema_generated.h"

namespace parallax {

namespace fb = arrow_format;

namespace {

Result<ArrowType> integer_type(const fb::Int* integer) {
  ArrowType type;
  type.kind = ArrowKind::kInt;
  if (integer == nullptr) return Status::invalid("Arrow Int type without its parameters");
  type.bit_width = integer->bit_width();
  type.is_signed = integer->is_signed();
  if (type.bit_width != 8 && type.bit_width != 16 && type.bit_width != 32 && type.bit_width != 64) {
    return Status::invalid("Arrow Int type of {} bits", type.bit_width);
  }
  return type;
}

std::string_view unit_name(ArrowTimeUnit unit) {
  switch (unit) {
    case ArrowTimeUnit::kSecond:
      return "SECOND";
    case ArrowTimeUnit::kMillisecond:
      return "MILLISECOND";
    case ArrowTimeUnit::kMicrosecond:
      return "MICROSECOND";
    case ArrowTimeUnit::kNanosecond:
      break;
  }
  return "NANOSECOND";
}

std::string integer_name(int bit_width, bool is_signed) {
  return fmt::format("{}{}", is_signed ? "Int" : "Uint", bit_width);
}

}  // namespace

int ArrowType::value_bytes() const {
  if (dictionary) return index_bit_width / 8;
  switch (kind) {
    case ArrowKind::kInt:
    case ArrowKind::kFloat:
      return bit_width / 8;
    case ArrowKind::kDate:
      return date_in_days ? 4 : 8;
    case ArrowKind::kTimestamp:
      return 8;
    case ArrowKind::kBool:
    case ArrowKind::kUtf8:
    case ArrowKind::kLargeUtf8:
      break;
  }
  return 0;
}

Result<ArrowType> arrow_type_of(const fb::Field& field) {
  ArrowType type;
  switch (field.type_type()) {
    case fb::Type_Bool:
      type.kind = ArrowKind::kBool;
      break;
    case fb::Type_Int: {
      PX_ASSIGN_OR_RETURN(type, integer_type(field.type_as_Int()));
      break;
    }
    case fb::Type_FloatingPoint: {
      const auto* floating = field.type_as_FloatingPoint();
      type.kind = ArrowKind::kFloat;
      if (floating == nullptr || floating->precision() == fb::Precision_HALF) {
        return Status::unsupported("Arrow half-precision floats are not supported");
      }
      type.bit_width = floating->precision() == fb::Precision_SINGLE ? 32 : 64;
      if (floating->precision() != fb::Precision_SINGLE &&
          floating->precision() != fb::Precision_DOUBLE) {
        return Status::invalid("Arrow FloatingPoint type of unknown precision");
      }
      break;
    }
    case fb::Type_Utf8:
      type.kind = ArrowKind::kUtf8;
      break;
    case fb::Type_LargeUtf8:
      type.kind = ArrowKind::kLargeUtf8;
      break;
    case fb::Type_Date: {
      const auto* date = field.type_as_Date();
      type.kind = ArrowKind::kDate;
      type.date_in_days = date != nullptr && date->unit() == fb::DateUnit_DAY;
      if (date != nullptr && date->unit() != fb::DateUnit_DAY &&
          date->unit() != fb::DateUnit_MILLISECOND) {
        return Status::invalid("Arrow Date type of unknown unit");
      }
      break;
    }
    case fb::Type_Timestamp: {
      const auto* timestamp = field.type_as_Timestamp();
      type.kind = ArrowKind::kTimestamp;
      if (timestamp == nullptr || timestamp->unit() < fb::TimeUnit_SECOND ||
          timestamp->unit() > fb::TimeUnit_NANOSECOND) {
        return Status::invalid("Arrow Timestamp type without a valid unit");
      }
      type.unit = static_cast<ArrowTimeUnit>(timestamp->unit());
      if (timestamp->timezone() != nullptr) type.timezone = timestamp->timezone()->str();
      break;
    }
    default: {
      const int index = static_cast<int>(field.type_type());
      const char* name = index >= 0 && index <= static_cast<int>(fb::Type_MAX)
                             ? fb::EnumNameType(field.type_type())
                             : "unknown";
      return Status::unsupported("Arrow type {} is not supported", name);
    }
  }
  if (const auto* encoding = field.dictionary()) {
    if (!type.is_text()) {
      return Status::unsupported("dictionary-encoded Arrow {} is not supported",
                                 arrow_type_name(type));
    }
    type.dictionary = true;
    type.dictionary_id = encoding->id();
    if (encoding->index_type() != nullptr) {
      PX_ASSIGN_OR_RETURN(ArrowType index, integer_type(encoding->index_type()));
      type.index_bit_width = index.bit_width;
      type.index_signed = index.is_signed;
    }
  }
  return type;
}

std::string arrow_type_name(const ArrowType& type) {
  std::string name;
  switch (type.kind) {
    case ArrowKind::kBool:
      name = "Bool";
      break;
    case ArrowKind::kInt:
      name = integer_name(type.bit_width, type.is_signed);
      break;
    case ArrowKind::kFloat:
      name = fmt::format("Float{}", type.bit_width);
      break;
    case ArrowKind::kUtf8:
      name = "Utf8";
      break;
    case ArrowKind::kLargeUtf8:
      name = "LargeUtf8";
      break;
    case ArrowKind::kDate:
      name = type.date_in_days ? "Date32<DAY>" : "Date64<MILLISECOND>";
      break;
    case ArrowKind::kTimestamp:
      name = fmt::format("Timestamp<{}{}{}>", unit_name(type.unit),
                         type.timezone.empty() ? "" : ", ", type.timezone);
      break;
  }
  if (!type.dictionary) return name;
  return fmt::format("Dictionary<{}, {}>", integer_name(type.index_bit_width, type.index_signed),
                     name);
}

DataType natural_type(const ArrowType& type) {
  switch (type.kind) {
    case ArrowKind::kBool:
      return DataType::kBoolean;
    case ArrowKind::kInt:
      return DataType::kInteger;
    case ArrowKind::kFloat:
      return DataType::kFloat;
    case ArrowKind::kUtf8:
    case ArrowKind::kLargeUtf8:
      return DataType::kString;
    case ArrowKind::kDate:
      return DataType::kDate;
    case ArrowKind::kTimestamp:
      break;
  }
  return DataType::kDatetime;
}

ArrowType arrow_type_for(DataType data_type) {
  ArrowType type;
  switch (data_type) {
    case DataType::kBoolean:
      type.kind = ArrowKind::kBool;
      break;
    case DataType::kInteger:
      type.kind = ArrowKind::kInt;
      break;
    case DataType::kFloat:
      type.kind = ArrowKind::kFloat;
      type.bit_width = 64;
      break;
    case DataType::kString:
      type.kind = ArrowKind::kUtf8;
      type.dictionary = true;
      break;
    case DataType::kDate:
      type.kind = ArrowKind::kDate;
      break;
    case DataType::kDatetime:
      type.kind = ArrowKind::kTimestamp;
      break;
  }
  return type;
}

}  // namespace parallax
