#include "formats/arrow_writer.h"

#include <cmath>
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

// One dictionary or record batch message, written straight into the output: a gap for the
// prefix and metadata (whose size is known in advance: see metadata_size), then the body's
// buffers (each padded to 8 bytes, compressed on their own when asked), then the metadata in
// the gap. The body is never copied.
class BatchWriter {
 public:
  BatchWriter(std::string& out, bool compress, size_t metadata_gap, size_t expected_body)
      : out_(out), compress_(compress), start_(out.size()), gap_(metadata_gap) {
    out_.reserve(start_ + gap_ + expected_body + 16);
    out_.resize(start_ + gap_);
  }

  void add_node(size_t length, size_t null_count) {
    nodes_.emplace_back(static_cast<int64_t>(length), static_cast<int64_t>(null_count));
  }
  void add_empty_buffer() { buffers_.emplace_back(static_cast<int64_t>(body_size()), 0); }
  // A buffer of `size` bytes that fill(char*) writes.
  template <typename Fill>
  void add_buffer(size_t size, Fill fill) {
    const size_t offset = body_size();
    if (compress_) {
      scratch_.resize(size);
      fill(scratch_.data());
      append_lz4_buffer(out_, scratch_);
    } else {
      out_.resize(out_.size() + size);
      fill(out_.data() + out_.size() - size);
    }
    buffers_.emplace_back(static_cast<int64_t>(offset), static_cast<int64_t>(body_size() - offset));
    out_.resize(start_ + gap_ + padded(body_size()), '\0');
  }

  size_t start() const { return start_; }
  size_t body_size() const { return out_.size() - start_ - gap_; }
  const std::vector<fb::FieldNode>& nodes() const { return nodes_; }
  const std::vector<fb::Buffer>& buffers() const { return buffers_; }
  bool compress() const { return compress_; }

  // Writes the prefix and `metadata` (a finished Message) into the gap.
  void finish(const flatbuffers::FlatBufferBuilder& metadata) {
    write_prefix(out_.data() + start_, gap_);
    if (8 + metadata.GetSize() > gap_) std::abort();  // metadata_size() is exact
    std::memcpy(out_.data() + start_ + 8, metadata.GetBufferPointer(), metadata.GetSize());
    std::memset(out_.data() + start_ + 8 + metadata.GetSize(), 0, gap_ - 8 - metadata.GetSize());
  }
  // The continuation marker and the metadata length of a message whose prefix and metadata
  // take `gap` bytes.
  static void write_prefix(char* at, size_t gap) {
    const auto length = static_cast<int32_t>(gap - 8);
    std::memcpy(at, &kContinuation, 4);
    std::memcpy(at + 4, &length, 4);
  }

 private:
  std::string& out_;
  bool compress_;
  size_t start_, gap_;
  std::string scratch_;
  std::vector<fb::FieldNode> nodes_;
  std::vector<fb::Buffer> buffers_;
};

// A batch's metadata. Every scalar is written even when it holds its default, so the size
// depends only on the numbers of nodes and buffers: metadata_size can measure it in advance.
void build_batch_metadata(flatbuffers::FlatBufferBuilder& builder, fb::MessageHeader kind,
                          int64_t dictionary_id, size_t length,
                          const std::vector<fb::FieldNode>& nodes,
                          const std::vector<fb::Buffer>& buffers, bool compress, size_t body_size) {
  builder.ForceDefaults(true);
  const auto node_vector = builder.CreateVectorOfStructs(nodes);
  const auto buffer_vector = builder.CreateVectorOfStructs(buffers);
  flatbuffers::Offset<fb::BodyCompression> compression = 0;
  if (compress) {
    compression = fb::CreateBodyCompression(builder, fb::CompressionType_LZ4_FRAME,
                                            fb::BodyCompressionMethod_BUFFER);
  }
  auto batch = fb::CreateRecordBatch(builder, static_cast<int64_t>(length), node_vector,
                                     buffer_vector, compression);
  flatbuffers::Offset<void> header = batch.Union();
  if (kind == fb::MessageHeader_DictionaryBatch) {
    header = fb::CreateDictionaryBatch(builder, dictionary_id, batch, false).Union();
  }
  builder.Finish(fb::CreateMessage(builder, fb::MetadataVersion_V5, kind, header,
                                   static_cast<int64_t>(body_size)));
}

// The prefix and padded metadata size of a batch with this many nodes and buffers.
size_t metadata_size(fb::MessageHeader kind, size_t nodes, size_t buffers, bool compress) {
  flatbuffers::FlatBufferBuilder builder;
  build_batch_metadata(builder, kind, 0, 0, std::vector<fb::FieldNode>(nodes),
                       std::vector<fb::Buffer>(buffers), compress, 0);
  return padded(8 + builder.GetSize());
}

void finish_batch(BatchWriter& batch, fb::MessageHeader kind, int64_t dictionary_id,
                  size_t length) {
  flatbuffers::FlatBufferBuilder builder;
  build_batch_metadata(builder, kind, dictionary_id, length, batch.nodes(), batch.buffers(),
                       batch.compress(), batch.body_size());
  batch.finish(builder);
}

// One Arrow field: a frame column, or one level of a grouped frame's row path (null in rows
// whose path is shorter).
struct OutputColumn {
  std::string_view name;
  const Column* column;
  ArrowType type;
  const std::vector<uint8_t>* depths = nullptr;  // row path levels only
  size_t level = 0;

  bool is_valid(const std::vector<uint32_t>& rows, size_t i) const {
    return (depths == nullptr || level < (*depths)[i]) && column->is_valid(rows[i]);
  }
};

std::vector<OutputColumn> output_columns(const Frame& frame, const ArrowWriteOptions& options) {
  std::vector<OutputColumn> columns;
  if (frame.row_path) {
    const FrameRowPath& path = *frame.row_path;
    for (size_t level = 0; level < path.levels.size(); ++level) {
      const Column* column = path.levels[level].column;
      columns.push_back(
          {path.levels[level].name, column, arrow_type_for(column->type()), &path.depths, level});
    }
  }
  for (size_t i = 0; i < frame.columns.size(); ++i) {
    const Column* column = frame.columns[i].column;
    ArrowType type = arrow_type_for(column->type());
    if (type.kind == ArrowKind::kInt && i < options.integers.size()) {
      type.bit_width = options.integers[i] == ArrowInteger::kInt64 ? 64 : 32;
      type.is_signed = options.integers[i] != ArrowInteger::kUint32;
    } else if (column->type() == DataType::kFloat && i < options.integers.size() &&
               options.integers[i] == ArrowInteger::kInt64) {
      type = arrow_type_for(DataType::kInteger);
      type.bit_width = 64;
    }
    columns.push_back({frame.columns[i].name, column, type});
  }
  return columns;
}

// The validity bitmap of the frame's rows of `column` (left out when nothing is null).
void add_validity(BatchWriter& body, const OutputColumn& column,
                  const std::vector<uint32_t>& rows) {
  size_t null_count = 0;
  for (size_t i = 0; i < rows.size(); ++i) null_count += !column.is_valid(rows, i);
  body.add_node(rows.size(), null_count);
  if (null_count == 0) return body.add_empty_buffer();
  body.add_buffer((rows.size() + 7) / 8, [&](char* out) {
    std::memset(out, 0, (rows.size() + 7) / 8);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (column.is_valid(rows, i)) out[i >> 3] = static_cast<char>(out[i >> 3] | (1 << (i & 7)));
    }
  });
}

// The values of the frame's rows, converted to Out (int32 to int64 for widened integers).
template <typename Out = void, typename T>
void add_gathered(BatchWriter& body, const std::vector<T>& values,
                  const std::vector<uint32_t>& rows) {
  using Written = std::conditional_t<std::is_void_v<Out>, T, Out>;
  body.add_buffer(rows.size() * sizeof(Written), [&](char* out) {
    Written* typed = reinterpret_cast<Written*>(out);  // the body is 8-byte aligned
    for (size_t i = 0; i < rows.size(); ++i) typed[i] = static_cast<Written>(values[rows[i]]);
  });
}

// A float column written as Int64: each value truncated towards zero (nulls and values
// beyond the range as 0).
void add_truncated(BatchWriter& body, const Column& column, const std::vector<uint32_t>& rows) {
  const auto& values = column.values<double>();
  body.add_buffer(rows.size() * sizeof(int64_t), [&](char* out) {
    int64_t* typed = reinterpret_cast<int64_t*>(out);  // the body is 8-byte aligned
    for (size_t i = 0; i < rows.size(); ++i) {
      const double value = values[rows[i]];
      const bool fits = column.is_valid(rows[i]) && std::fabs(value) < 9.2e18;
      typed[i] = fits ? static_cast<int64_t>(value) : 0;
    }
  });
}

template <typename T>
void add_copied(BatchWriter& body, const std::vector<T>& values) {
  body.add_buffer(values.size() * sizeof(T), [&](char* out) {
    if (!values.empty()) std::memcpy(out, values.data(), values.size() * sizeof(T));
  });
}

void add_booleans(BatchWriter& body, const Column& column, const std::vector<uint32_t>& rows) {
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

DenseDictionary dense_dictionary(const OutputColumn& output, const std::vector<uint32_t>& rows) {
  DenseDictionary dense;
  const Column& column = *output.column;
  std::vector<int32_t> remap(column.dictionary().size(), -1);
  const auto& codes = column.values<uint32_t>();
  dense.indices.resize(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!output.is_valid(rows, i)) continue;
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
void add_dictionary_values(BatchWriter& body, const std::vector<std::string_view>& strings) {
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
                                             const std::vector<OutputColumn>& columns) {
  std::vector<flatbuffers::Offset<fb::Field>> fields;
  int64_t dictionary_id = 0;
  for (const auto& column : columns) {
    const ArrowType& type = column.type;
    const auto name = builder.CreateString(column.name.data(), column.name.size());
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

// The uncompressed record batch body's size (at most: validity bitmaps may be left out).
size_t record_body_size(const std::vector<OutputColumn>& columns, size_t rows) {
  size_t size = 0;
  for (const auto& column : columns) {
    const ArrowType& type = column.type;
    const size_t values =
        type.kind == ArrowKind::kBool ? (rows + 7) / 8 : rows * type.value_bytes();
    size += padded((rows + 7) / 8) + padded(values);
  }
  return size;
}

class StreamWriter {
 public:
  explicit StreamWriter(const ArrowWriteOptions& options)
      : options_(options), compress_(options.compression == ArrowCompression::kLz4Frame) {
    if (options_.format == ArrowFormat::kFile) out_.append(kFileMagic);
  }

  // Schema, one dictionary batch per string column, the record batch.
  void write(const Frame& frame) {
    const std::vector<OutputColumn> columns = output_columns(frame, options_);
    write_schema(columns);
    std::vector<DenseDictionary> dictionaries;
    for (const auto& column : columns) {
      if (column.column->type() != DataType::kString) continue;
      dictionaries.push_back(dense_dictionary(column, frame.rows));
      write_dictionary(static_cast<int64_t>(dictionaries.size() - 1), dictionaries.back().strings);
    }
    BatchWriter record(
        out_, compress_,
        metadata_size(fb::MessageHeader_RecordBatch, columns.size(), 2 * columns.size(), compress_),
        record_body_size(columns, frame.rows.size()));
    size_t dictionary = 0;
    for (const auto& output : columns) {
      const Column& column = *output.column;
      add_validity(record, output, frame.rows);
      switch (column.type()) {
        case DataType::kBoolean:
          add_booleans(record, column, frame.rows);
          break;
        case DataType::kInteger:
          if (output.type.bit_width == 64) {
            add_gathered<int64_t>(record, column.values<int32_t>(), frame.rows);
          } else {
            add_gathered(record, column.values<int32_t>(), frame.rows);
          }
          break;
        case DataType::kDate:
          add_gathered(record, column.values<int32_t>(), frame.rows);
          break;
        case DataType::kFloat:
          if (output.type.kind == ArrowKind::kInt) {
            add_truncated(record, column, frame.rows);
          } else {
            add_gathered(record, column.values<double>(), frame.rows);
          }
          break;
        case DataType::kDatetime:
          add_gathered(record, column.values<int64_t>(), frame.rows);
          break;
        case DataType::kString:
          add_copied(record, dictionaries[dictionary++].indices);
          break;
      }
    }
    finish_batch(record, fb::MessageHeader_RecordBatch, 0, frame.rows.size());
    note_block(record, record_blocks_);
    append_scalar(out_, kContinuation);  // the end-of-stream marker
    append_scalar(out_, int32_t{0});
    if (options_.format == ArrowFormat::kFile) write_footer(columns);
  }

  std::string finish() { return std::move(out_); }

 private:
  // The file format's footer (where each message starts) and closing magic.
  void write_footer(const std::vector<OutputColumn>& columns) {
    {
      flatbuffers::FlatBufferBuilder builder;
      const auto schema = build_schema(builder, columns);
      const auto dictionaries = builder.CreateVectorOfStructs(dictionary_blocks_);
      const auto records = builder.CreateVectorOfStructs(record_blocks_);
      builder.Finish(
          fb::CreateFooter(builder, fb::MetadataVersion_V5, schema, dictionaries, records));
      out_.append(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
      append_scalar(out_, static_cast<int32_t>(builder.GetSize()));
      out_.append(kFileMagic.substr(0, 6));
    }
  }

  void write_schema(const std::vector<OutputColumn>& columns) {
    flatbuffers::FlatBufferBuilder builder;
    const auto schema = build_schema(builder, columns);
    builder.Finish(fb::CreateMessage(builder, fb::MetadataVersion_V5, fb::MessageHeader_Schema,
                                     schema.Union(), 0));
    const size_t start = out_.size();
    const size_t gap = padded(8 + builder.GetSize());
    out_.resize(start + gap, '\0');
    BatchWriter::write_prefix(out_.data() + start, gap);
    std::memcpy(out_.data() + start + 8, builder.GetBufferPointer(), builder.GetSize());
  }

  void write_dictionary(int64_t id, const std::vector<std::string_view>& strings) {
    size_t total = 0;
    for (auto string : strings) total += string.size();
    BatchWriter batch(out_, compress_,
                      metadata_size(fb::MessageHeader_DictionaryBatch, 1, 3, compress_),
                      padded((strings.size() + 1) * sizeof(int32_t)) + padded(total));
    add_dictionary_values(batch, strings);
    finish_batch(batch, fb::MessageHeader_DictionaryBatch, id, strings.size());
    note_block(batch, dictionary_blocks_);
  }

  // Where the message starts, for the file footer.
  void note_block(const BatchWriter& batch, std::vector<fb::Block>& blocks) {
    const size_t metadata = out_.size() - batch.start() - batch.body_size();
    blocks.emplace_back(static_cast<int64_t>(batch.start()), static_cast<int32_t>(metadata),
                        static_cast<int64_t>(batch.body_size()));
  }

  ArrowWriteOptions options_;
  bool compress_;
  std::string out_;
  std::vector<fb::Block> dictionary_blocks_, record_blocks_;
};

}  // namespace

std::string write_arrow(const Frame& frame, const ArrowWriteOptions& options) {
  StreamWriter writer(options);
  writer.write(frame);
  return writer.finish();
}

}  // namespace parallax
