#include "formats/arrow_writer.h"

#include <cstring>

#include <flatbuffers/flatbuffers.h>

#include "formats/arrow/arrow_type.h"
#include "formats/arrow/body_compression.h"
#include "formats/arrow/file_generated.h"
#include "formats/arrow/message_generated.h"

namespace parallax {

namespace fb = arrow_format;

namespace {

constexpr std::string_view kFileMagic("ARROW1\0\0", 8);
constexpr uint32_t kContinuation = 0xFFFFFFFF;

size_t padded(size_t size) {
  return (size + 7) & ~size_t{7};
}

template <typename T>
void append_scalar(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

// The body of one record or dictionary batch: buffers (each padded to 8 bytes, compressed on
// their own when asked) and the field nodes that describe them.
class BodyWriter {
 public:
  explicit BodyWriter(bool compress) : compress_(compress) {}

  void add_node(size_t length, size_t null_count) {
    nodes_.emplace_back(static_cast<int64_t>(length), static_cast<int64_t>(null_count));
  }
  void add_empty_buffer() { buffers_.emplace_back(static_cast<int64_t>(body_.size()), 0); }
  // A buffer of `size` bytes that fill(char*) writes.
  template <typename Fill>
  void add_buffer(size_t size, Fill fill) {
    const size_t start = body_.size();
    if (compress_) {
      scratch_.resize(size);
      fill(scratch_.data());
      append_lz4_buffer(body_, scratch_);
    } else {
      body_.resize(start + size);
      fill(body_.data() + start);
    }
    buffers_.emplace_back(static_cast<int64_t>(start), static_cast<int64_t>(body_.size() - start));
    body_.resize(padded(body_.size()), '\0');
  }

  const std::string& body() const { return body_; }

  flatbuffers::Offset<fb::RecordBatch> finish(flatbuffers::FlatBufferBuilder& builder,
                                              size_t length) const {
    const auto nodes = builder.CreateVectorOfStructs(nodes_);
    const auto buffers = builder.CreateVectorOfStructs(buffers_);
    flatbuffers::Offset<fb::BodyCompression> compression = 0;
    if (compress_) {
      compression = fb::CreateBodyCompression(builder, fb::CompressionType_LZ4_FRAME,
                                              fb::BodyCompressionMethod_BUFFER);
    }
    return fb::CreateRecordBatch(builder, static_cast<int64_t>(length), nodes, buffers,
                                 compression);
  }

 private:
  bool compress_;
  std::string body_;
  std::string scratch_;
  std::vector<fb::FieldNode> nodes_;
  std::vector<fb::Buffer> buffers_;
};

// The validity bitmap of the frame's rows of `column` (left out when nothing is null).
void add_validity(BodyWriter& body, const Column& column, const std::vector<uint32_t>& rows) {
  size_t null_count = 0;
  for (uint32_t row : rows) null_count += column.is_null(row);
  body.add_node(rows.size(), null_count);
  if (null_count == 0) return body.add_empty_buffer();
  body.add_buffer((rows.size() + 7) / 8, [&](char* out) {
    std::memset(out, 0, (rows.size() + 7) / 8);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (column.is_valid(rows[i])) out[i >> 3] = static_cast<char>(out[i >> 3] | (1 << (i & 7)));
    }
  });
}

template <typename T>
void add_gathered(BodyWriter& body, const std::vector<T>& values,
                  const std::vector<uint32_t>& rows) {
  body.add_buffer(rows.size() * sizeof(T), [&](char* out) {
    T* typed = reinterpret_cast<T*>(out);  // std::string's storage is suitably aligned
    for (size_t i = 0; i < rows.size(); ++i) typed[i] = values[rows[i]];
  });
}

template <typename T>
void add_copied(BodyWriter& body, const std::vector<T>& values) {
  body.add_buffer(values.size() * sizeof(T), [&](char* out) {
    if (!values.empty()) std::memcpy(out, values.data(), values.size() * sizeof(T));
  });
}

void add_booleans(BodyWriter& body, const Column& column, const std::vector<uint32_t>& rows) {
  const auto& values = column.values<uint8_t>();
  body.add_buffer((rows.size() + 7) / 8, [&](char* out) {
    std::memset(out, 0, (rows.size() + 7) / 8);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (values[rows[i]] != 0) out[i >> 3] = static_cast<char>(out[i >> 3] | (1 << (i & 7)));
    }
  });
}

// A string column's codes renumbered densely in order of first use, and the strings in that
// order: the dictionary the reference writes.
struct DenseDictionary {
  std::vector<int32_t> indices;  // one per frame row; 0 for nulls
  std::vector<std::string_view> strings;
};

DenseDictionary dense_dictionary(const Column& column, const std::vector<uint32_t>& rows) {
  DenseDictionary dense;
  std::vector<int32_t> remap(column.dictionary().size(), -1);
  const auto& codes = column.values<uint32_t>();
  dense.indices.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (column.is_null(rows[i])) continue;
    const uint32_t code = codes[rows[i]];
    if (remap[code] < 0) {
      remap[code] = static_cast<int32_t>(dense.strings.size());
      dense.strings.push_back(column.dictionary().at(code));
    }
    dense.indices[i] = remap[code];
  }
  return dense;
}

// The dictionary batch body for `strings`: no nulls, Utf8 (int32 offsets).
void add_dictionary_values(BodyWriter& body, const std::vector<std::string_view>& strings) {
  body.add_node(strings.size(), 0);
  body.add_empty_buffer();
  body.add_buffer((strings.size() + 1) * sizeof(int32_t), [&](char* out) {
    int32_t offset = 0;
    for (size_t i = 0; i < strings.size(); ++i) {
      std::memcpy(out + i * sizeof(int32_t), &offset, sizeof(offset));
      offset += static_cast<int32_t>(strings[i].size());
    }
    std::memcpy(out + strings.size() * sizeof(int32_t), &offset, sizeof(offset));
  });
  size_t total = 0;
  for (auto string : strings) total += string.size();
  body.add_buffer(total, [&](char* out) {
    for (auto string : strings) {
      std::memcpy(out, string.data(), string.size());
      out += string.size();
    }
  });
}

flatbuffers::Offset<fb::Schema> build_schema(flatbuffers::FlatBufferBuilder& builder,
                                             const Frame& frame) {
  std::vector<flatbuffers::Offset<fb::Field>> fields;
  int64_t dictionary_id = 0;
  for (const auto& column : frame.columns) {
    const ArrowType type = arrow_type_for(column.column->type());
    const auto name = builder.CreateString(column.name);
    flatbuffers::Offset<void> type_table;
    fb::Type type_kind = fb::Type_NONE;
    switch (type.kind) {
      case ArrowKind::kBool:
        type_kind = fb::Type_Bool;
        type_table = fb::CreateBool(builder).Union();
        break;
      case ArrowKind::kInt:
        type_kind = fb::Type_Int;
        type_table = fb::CreateInt(builder, type.bit_width, type.is_signed).Union();
        break;
      case ArrowKind::kFloat:
        type_kind = fb::Type_FloatingPoint;
        type_table = fb::CreateFloatingPoint(builder, fb::Precision_DOUBLE).Union();
        break;
      case ArrowKind::kUtf8:
      case ArrowKind::kLargeUtf8:
        type_kind = fb::Type_Utf8;
        type_table = fb::CreateUtf8(builder).Union();
        break;
      case ArrowKind::kDate:
        type_kind = fb::Type_Date;
        type_table = fb::CreateDate(builder, fb::DateUnit_DAY).Union();
        break;
      case ArrowKind::kTimestamp:
        type_kind = fb::Type_Timestamp;
        type_table = fb::CreateTimestamp(builder, fb::TimeUnit_MILLISECOND).Union();
        break;
    }
    flatbuffers::Offset<fb::DictionaryEncoding> dictionary = 0;
    if (type.dictionary) {
      dictionary = fb::CreateDictionaryEncoding(builder, dictionary_id++,
                                                fb::CreateInt(builder, 32, true), false);
    }
    const auto children = builder.CreateVector(std::vector<flatbuffers::Offset<fb::Field>>());
    fields.push_back(
        fb::CreateField(builder, name, true, type_kind, type_table, dictionary, children));
  }
  return fb::CreateSchema(builder, fb::Endianness_Little, builder.CreateVector(fields));
}

class StreamWriter {
 public:
  explicit StreamWriter(const ArrowWriteOptions& options) : options_(options) {
    if (options_.format == ArrowFormat::kFile) out_.append(kFileMagic);
  }

  void write(const Frame& frame) {
    {
      flatbuffers::FlatBufferBuilder builder;
      const auto schema = build_schema(builder, frame);
      write_message(builder, fb::MessageHeader_Schema, schema.Union(), {}, nullptr);
    }
    const bool compress = options_.compression == ArrowCompression::kLz4Frame;
    BodyWriter record(compress);
    int64_t dictionary_id = 0;
    for (const auto& frame_column : frame.columns) {
      const Column& column = *frame_column.column;
      add_validity(record, column, frame.rows);
      switch (column.type()) {
        case DataType::kBoolean:
          add_booleans(record, column, frame.rows);
          break;
        case DataType::kInteger:
        case DataType::kDate:
          add_gathered(record, column.values<int32_t>(), frame.rows);
          break;
        case DataType::kFloat:
          add_gathered(record, column.values<double>(), frame.rows);
          break;
        case DataType::kDatetime:
          add_gathered(record, column.values<int64_t>(), frame.rows);
          break;
        case DataType::kString: {
          DenseDictionary dense = dense_dictionary(column, frame.rows);
          write_dictionary(dictionary_id++, dense.strings, compress);
          add_copied(record, dense.indices);
          break;
        }
      }
    }
    flatbuffers::FlatBufferBuilder builder;
    const auto batch = record.finish(builder, frame.rows.size());
    write_message(builder, fb::MessageHeader_RecordBatch, batch.Union(), record.body(),
                  &record_blocks_);
  }

  std::string finish(const Frame& frame) {
    append_scalar(out_, kContinuation);
    append_scalar(out_, int32_t{0});
    if (options_.format == ArrowFormat::kFile) {
      flatbuffers::FlatBufferBuilder builder;
      const auto schema = build_schema(builder, frame);
      const auto dictionaries = builder.CreateVectorOfStructs(dictionary_blocks_);
      const auto records = builder.CreateVectorOfStructs(record_blocks_);
      builder.Finish(
          fb::CreateFooter(builder, fb::MetadataVersion_V5, schema, dictionaries, records));
      out_.append(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
      append_scalar(out_, static_cast<int32_t>(builder.GetSize()));
      out_.append(kFileMagic.substr(0, 6));
    }
    return std::move(out_);
  }

 private:
  void write_dictionary(int64_t id, const std::vector<std::string_view>& strings, bool compress) {
    BodyWriter body(compress);
    add_dictionary_values(body, strings);
    flatbuffers::FlatBufferBuilder builder;
    const auto data = body.finish(builder, strings.size());
    const auto batch = fb::CreateDictionaryBatch(builder, id, data, false);
    write_message(builder, fb::MessageHeader_DictionaryBatch, batch.Union(), body.body(),
                  &dictionary_blocks_);
  }

  // The encapsulated message: continuation marker, metadata length, metadata padded to 8
  // bytes, body; noted in `blocks` for the file footer.
  void write_message(flatbuffers::FlatBufferBuilder& builder, fb::MessageHeader kind,
                     flatbuffers::Offset<void> header, std::string_view body,
                     std::vector<fb::Block>* blocks) {
    builder.Finish(fb::CreateMessage(builder, fb::MetadataVersion_V5, kind, header,
                                     static_cast<int64_t>(body.size())));
    const size_t start = out_.size();
    const size_t metadata_length = padded(8 + builder.GetSize()) - 8;
    append_scalar(out_, kContinuation);
    append_scalar(out_, static_cast<int32_t>(metadata_length));
    out_.append(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
    out_.resize(start + 8 + metadata_length, '\0');
    out_.append(body);
    if (blocks != nullptr) {
      blocks->emplace_back(static_cast<int64_t>(start), static_cast<int32_t>(8 + metadata_length),
                           static_cast<int64_t>(body.size()));
    }
  }

  ArrowWriteOptions options_;
  std::string out_;
  std::vector<fb::Block> dictionary_blocks_, record_blocks_;
};

}  // namespace

std::string write_arrow(const Frame& frame, const ArrowWriteOptions& options) {
  StreamWriter writer(options);
  writer.write(frame);
  return writer.finish(frame);
}

}  // namespace parallax
