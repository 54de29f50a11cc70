#include "formats/arrow/ipc_decoder.h"

#include <cstring>
#include <limits>
#include <map>
#include <optional>

#include <flatbuffers/flatbuffers.h>
#include <simdjson.h>

#include "formats/arrow/body_compression.h"
#include "formats/arrow/file_generated.h"
#include "formats/arrow/message_generated.h"
#include "formats/decode_limits.h"

namespace parallax {

namespace fb = arrow_format;

namespace {

constexpr std::string_view kFileMagic("ARROW1", 6);
constexpr uint32_t kContinuation = 0xFFFFFFFF;
// Row positions are 32-bit in the engine.
constexpr int64_t kMaxRows = std::numeric_limits<uint32_t>::max();

template <typename T>
T load(const uint8_t* data) {
  T value;
  std::memcpy(&value, data, sizeof(T));
  return value;
}

const uint8_t* bytes_of(std::string_view text) {
  return reinterpret_cast<const uint8_t*>(text.data());
}

int64_t bitmap_bytes(int64_t length) {
  return (length + 7) / 8;
}

// A struct of a flatbuffer vector, copied out: the Verifier does not check that vectors of
// 8-byte structs are 8-byte aligned, so reading them in place could be a misaligned access.
template <typename Struct>
Struct struct_at(const flatbuffers::Vector<const Struct*>& vector, flatbuffers::uoffset_t i) {
  Struct value;
  std::memcpy(&value, vector.Data() + static_cast<size_t>(i) * sizeof(Struct), sizeof(Struct));
  return value;
}

struct Message {
  const fb::Message* header;
  std::string_view body;
};

// The buffers and field nodes of one record batch, handed out in order (decompressed).
class BatchReader {
 public:
  BatchReader(const fb::RecordBatch& batch, std::string_view body, ArrowContents& out)
      : batch_(batch), body_(body), out_(out), owned_(out.owned) {}

  Status check_compression() const {
    const auto* compression = batch_.compression();
    if (compression == nullptr) return Status::ok();
    if (compression->codec() != fb::CompressionType_LZ4_FRAME) {
      return Status::unsupported("Arrow body compression other than LZ4_FRAME is not supported");
    }
    if (compression->method() != fb::BodyCompressionMethod_BUFFER) {
      return Status::unsupported("Arrow body compression method is not supported");
    }
    return Status::ok();
  }

  Result<fb::FieldNode> next_node() {
    const auto* nodes = batch_.nodes();
    if (nodes == nullptr || next_node_ >= nodes->size()) {
      return Status::invalid("Arrow record batch has fewer field nodes than its schema has fields");
    }
    return struct_at(*nodes, next_node_++);
  }

  // `size` zero bytes that live as long as the decoded batch.
  Result<std::string_view> zeros(size_t size) {
    PX_RETURN_IF_ERROR(make(size));
    owned_.emplace_back(size, 0);
    return std::string_view(reinterpret_cast<const char*>(owned_.back().data()), size);
  }

  Result<std::string_view> next_buffer() {
    const auto* buffers = batch_.buffers();
    if (buffers == nullptr || next_buffer_ >= buffers->size()) {
      return Status::invalid("Arrow record batch has fewer buffers than its fields need");
    }
    const fb::Buffer buffer = struct_at(*buffers, next_buffer_++);
    const int64_t offset = buffer.offset(), length = buffer.length();
    const auto size = static_cast<int64_t>(body_.size());
    if (offset < 0 || length < 0 || offset > size || length > size - offset) {
      return Status::invalid("Arrow buffer [{}, +{}) lies outside its message body of {} bytes",
                             offset, length, size);
    }
    std::string_view data = body_.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
    if (batch_.compression() == nullptr) return data;
    // The uncompressed length leads the buffer: charged before it is decompressed.
    int64_t declared = 0;
    if (data.size() >= sizeof(declared)) std::memcpy(&declared, data.data(), sizeof(declared));
    if (declared > 0) PX_RETURN_IF_ERROR(make(static_cast<size_t>(declared)));
    PX_ASSIGN_OR_RETURN(std::vector<uint8_t> plain, decompress_lz4_buffer(data));
    owned_.push_back(std::move(plain));
    return std::string_view(reinterpret_cast<const char*>(owned_.back().data()),
                            owned_.back().size());
  }

 private:
  // Counts `size` more bytes made, or answers why not.
  Status make(size_t size) {
    if (size > out_.max_made_bytes - out_.made_bytes)
      return decoded_size_exceeded(out_.max_made_bytes);
    out_.made_bytes += size;
    return Status::ok();
  }

  const fb::RecordBatch& batch_;
  std::string_view body_;
  ArrowContents& out_;
  std::deque<std::vector<uint8_t>>& owned_;
  flatbuffers::uoffset_t next_node_ = 0;
  flatbuffers::uoffset_t next_buffer_ = 0;
};

// Offsets ascend within the data, and the text is UTF-8 with no string starting inside a
// character (so each string is valid on its own, not only their concatenation).
template <typename Offset>
Status check_text(const ArrowArray& array, std::string_view offsets, std::string_view data) {
  const int64_t count = array.length + 1;
  if (static_cast<int64_t>(offsets.size() / sizeof(Offset)) < count) {
    return Status::invalid("Arrow offsets buffer of {} bytes is too short for {} values",
                           offsets.size(), array.length);
  }
  const uint8_t* raw = bytes_of(offsets);
  const auto first = static_cast<int64_t>(load<Offset>(raw));
  int64_t previous = first;
  const auto size = static_cast<int64_t>(data.size());
  if (first < 0 || first > size) return Status::invalid("Arrow text offset {} out of range", first);
  const uint8_t* text = bytes_of(data);
  for (int64_t i = 1; i < count; ++i) {
    const auto offset = static_cast<int64_t>(load<Offset>(raw + i * sizeof(Offset)));
    if (offset < previous || offset > size) {
      return Status::invalid("Arrow text offsets are not ascending within the data at value {}",
                             i - 1);
    }
    if (offset > previous && (text[previous] & 0xC0) == 0x80) {
      return Status::invalid("Arrow string {} is not valid UTF-8", i - 1);
    }
    previous = offset;
  }
  if (!simdjson::validate_utf8(data.data() + first, static_cast<size_t>(previous - first))) {
    return Status::invalid("Arrow text is not valid UTF-8");
  }
  return Status::ok();
}

template <typename Index>
Status check_indices(const ArrowArray& array) {
  const auto size = static_cast<int64_t>(array.dictionary->values.size());
  for (int64_t row = 0; row < array.length; ++row) {
    const auto index = static_cast<int64_t>(load<Index>(array.values + row * sizeof(Index)));
    if ((index < 0 || index >= size) && array.is_valid(row)) {
      return Status::invalid("Arrow dictionary index {} out of range (dictionary of {} values)",
                             index, size);
    }
  }
  return Status::ok();
}

Status check_dictionary_indices(const ArrowType& type, const ArrowArray& array) {
  switch (type.index_bit_width) {
    case 8:
      return type.index_signed ? check_indices<int8_t>(array) : check_indices<uint8_t>(array);
    case 16:
      return type.index_signed ? check_indices<int16_t>(array) : check_indices<uint16_t>(array);
    case 32:
      return type.index_signed ? check_indices<int32_t>(array) : check_indices<uint32_t>(array);
    default:
      return type.index_signed ? check_indices<int64_t>(array) : check_indices<uint64_t>(array);
  }
}

// One field's node and buffers; `as_values` decodes a dictionary's values rather than indices.
Status decode_array(const ArrowType& type, bool as_values, int64_t length, BatchReader& reader,
                    ArrowArray& array) {
  PX_ASSIGN_OR_RETURN(const fb::FieldNode node, reader.next_node());
  array.length = node.length();
  array.null_count = node.null_count();
  if (array.length != length) {
    return Status::invalid("Arrow field node of {} values in a batch of {} rows", array.length,
                           length);
  }
  if (array.null_count < 0 || array.null_count > array.length) {
    return Status::invalid("Arrow field node claims {} nulls in {} values", array.null_count,
                           array.length);
  }
  PX_ASSIGN_OR_RETURN(std::string_view validity, reader.next_buffer());
  if (array.null_count > 0) {
    if (static_cast<int64_t>(validity.size()) < bitmap_bytes(length)) {
      return Status::invalid("Arrow validity buffer of {} bytes is too short for {} values",
                             validity.size(), length);
    }
    array.validity = bytes_of(validity);
  }
  PX_ASSIGN_OR_RETURN(std::string_view values, reader.next_buffer());
  if (type.is_text() && (as_values || !type.dictionary)) {
    PX_ASSIGN_OR_RETURN(std::string_view data, reader.next_buffer());
    array.offsets = bytes_of(values);
    array.values = bytes_of(data);
    return type.kind == ArrowKind::kUtf8 ? check_text<int32_t>(array, values, data)
                                         : check_text<int64_t>(array, values, data);
  }
  const int64_t needed = type.kind == ArrowKind::kBool && !type.dictionary
                             ? bitmap_bytes(length)
                             : length * type.value_bytes();
  if (static_cast<int64_t>(values.size()) < needed) {
    // A column of nulls needs no values (apache-arrow writes none for a bool column of nulls):
    // zeros stand in for them, so readers need not check validity first.
    if (array.null_count != array.length) {
      return Status::invalid("Arrow data buffer of {} bytes is too short for {} values of {}",
                             values.size(), length, arrow_type_name(type));
    }
    PX_ASSIGN_OR_RETURN(values, reader.zeros(static_cast<size_t>(needed)));
  }
  array.values = bytes_of(values);
  return Status::ok();
}

class Decoder {
 public:
  Decoder(std::string_view bytes, ArrowContents& out) : bytes_(bytes), out_(out) {}

  bool is_file() const { return bytes_.substr(0, kFileMagic.size()) == kFileMagic; }

  Status decode_stream(bool schema_only) {
    size_t offset = 0;
    PX_ASSIGN_OR_RETURN(std::optional<Message> first, read_message(offset, bytes_.size()));
    if (!first || first->header->header_type() != fb::MessageHeader_Schema) {
      return Status::invalid("Arrow stream does not start with a schema message");
    }
    PX_RETURN_IF_ERROR(read_schema(first->header->header_as_Schema()));
    if (schema_only) return Status::ok();
    while (true) {
      PX_ASSIGN_OR_RETURN(std::optional<Message> message, read_message(offset, bytes_.size()));
      if (!message) return Status::ok();
      PX_RETURN_IF_ERROR(read_batch(*message));
    }
  }

  Status decode_file(bool schema_only) {
    constexpr size_t kTrailer = sizeof(int32_t) + 6;
    const size_t size = bytes_.size();
    if (size < 8 + kTrailer || bytes_.substr(size - 6) != kFileMagic) {
      return Status::invalid("Arrow file is truncated (no footer)");
    }
    const int32_t footer_length = load<int32_t>(bytes_of(bytes_) + size - kTrailer);
    if (footer_length <= 0 || static_cast<size_t>(footer_length) > size - 8 - kTrailer) {
      return Status::invalid("Arrow file footer length {} is out of range", footer_length);
    }
    const size_t footer_start = size - kTrailer - static_cast<size_t>(footer_length);
    const uint8_t* footer_bytes =
        aligned(bytes_.substr(footer_start, static_cast<size_t>(footer_length)));
    flatbuffers::Verifier verifier(footer_bytes, static_cast<size_t>(footer_length));
    if (!fb::VerifyFooterBuffer(verifier)) {
      return Status::invalid("Arrow file footer is not a valid flatbuffer");
    }
    const fb::Footer* footer = fb::GetFooter(footer_bytes);
    if (footer->schema() == nullptr) return Status::invalid("Arrow file footer has no schema");
    PX_RETURN_IF_ERROR(read_schema(footer->schema()));
    if (schema_only) return Status::ok();
    for (const auto* blocks : {footer->dictionaries(), footer->record_batches()}) {
      if (blocks == nullptr) continue;
      for (flatbuffers::uoffset_t i = 0; i < blocks->size(); ++i) {
        const int64_t start = struct_at(*blocks, i).offset();
        if (start < 8 || start >= static_cast<int64_t>(footer_start)) {
          return Status::invalid("Arrow file block at {} is outside the file", start);
        }
        size_t offset = static_cast<size_t>(start);
        PX_ASSIGN_OR_RETURN(std::optional<Message> message, read_message(offset, footer_start));
        if (!message) return Status::invalid("Arrow file block at {} holds no message", start);
        const bool dictionary = blocks == footer->dictionaries();
        if (dictionary != (message->header->header_type() == fb::MessageHeader_DictionaryBatch)) {
          return Status::invalid("Arrow file block at {} holds the wrong kind of message", start);
        }
        PX_RETURN_IF_ERROR(read_batch(*message));
      }
    }
    return Status::ok();
  }

 private:
  // Flatbuffers are read in place, which needs them 8-byte aligned; copies them when not.
  const uint8_t* aligned(std::string_view data) {
    if (reinterpret_cast<uintptr_t>(data.data()) % 8 == 0) return bytes_of(data);
    out_.owned.emplace_back(data.begin(), data.end());
    return out_.owned.back().data();
  }

  // The message at `offset` (advanced past it), or nullopt at the end-of-stream marker or at
  // `limit`.
  Result<std::optional<Message>> read_message(size_t& offset, size_t limit) {
    if (offset >= limit) return std::optional<Message>();
    if (limit - offset < 4) return Status::invalid("Arrow message at {} is truncated", offset);
    const uint8_t* at = bytes_of(bytes_) + offset;
    int64_t length = load<int32_t>(at);
    size_t prefix = 4;
    if (load<uint32_t>(at) == kContinuation) {
      if (limit - offset < 8) return Status::invalid("Arrow message at {} is truncated", offset);
      length = load<int32_t>(at + 4);
      prefix = 8;
    }
    if (length == 0) {
      offset += prefix;
      return std::optional<Message>();
    }
    if (length < 0 || static_cast<size_t>(length) > limit - offset - prefix) {
      return Status::invalid("Arrow message at {} claims {} bytes of metadata", offset, length);
    }
    const size_t metadata_start = offset + prefix;
    const uint8_t* metadata = aligned(bytes_.substr(metadata_start, static_cast<size_t>(length)));
    flatbuffers::Verifier verifier(metadata, static_cast<size_t>(length));
    if (!fb::VerifyMessageBuffer(verifier)) {
      return Status::invalid("Arrow message at {} is not a valid flatbuffer", offset);
    }
    const fb::Message* header = fb::GetMessage(metadata);
    if (header->version() < fb::MetadataVersion_V4) {
      return Status::unsupported("Arrow metadata version {} is older than V4",
                                 static_cast<int>(header->version()) + 1);
    }
    const size_t body_start = metadata_start + static_cast<size_t>(length);
    const int64_t body_length = header->body_length();
    if (body_length < 0 || static_cast<uint64_t>(body_length) > limit - body_start) {
      return Status::invalid("Arrow message at {} claims a body of {} bytes; {} remain", offset,
                             body_length, limit - body_start);
    }
    offset = body_start + static_cast<size_t>(body_length);
    return std::optional<Message>(
        Message{header, bytes_.substr(body_start, static_cast<size_t>(body_length))});
  }

  Status read_schema(const fb::Schema* schema) {
    if (schema == nullptr) return Status::invalid("Arrow schema message without a schema");
    if (schema->endianness() != fb::Endianness_Little) {
      return Status::unsupported("big-endian Arrow data is not supported");
    }
    if (schema->fields() == nullptr) return Status::ok();
    for (const fb::Field* field : *schema->fields()) {
      ArrowField decoded;
      if (field->name() != nullptr) decoded.name = field->name()->str();
      auto type = arrow_type_of(*field);
      if (!type.is_ok()) return type.status().with_context("Arrow field '" + decoded.name + "'");
      decoded.type = std::move(type).value();
      for (const auto& other : out_.fields) {
        if (other.name == decoded.name) {
          return Status::invalid("Arrow schema names the field '{}' twice", decoded.name);
        }
      }
      if (decoded.type.dictionary)
        dictionary_types_.emplace(decoded.type.dictionary_id, decoded.type);
      out_.fields.push_back(std::move(decoded));
    }
    return Status::ok();
  }

  Status read_batch(const Message& message) {
    switch (message.header->header_type()) {
      case fb::MessageHeader_RecordBatch:
        return read_record_batch(message.header->header_as_RecordBatch(), message.body);
      case fb::MessageHeader_DictionaryBatch:
        return read_dictionary_batch(message.header->header_as_DictionaryBatch(), message.body);
      case fb::MessageHeader_Schema:
        return Status::invalid("Arrow stream holds a second schema message");
      default:
        return Status::unsupported("Arrow message of an unsupported kind");
    }
  }

  Result<int64_t> batch_length(const fb::RecordBatch* batch) {
    if (batch == nullptr) return Status::invalid("Arrow batch message without its batch");
    const int64_t length = batch->length();
    if (length < 0 || length > kMaxRows) {
      return Status::invalid("Arrow record batch of {} rows", length);
    }
    return length;
  }

  Status read_dictionary_batch(const fb::DictionaryBatch* batch, std::string_view body) {
    if (batch == nullptr) return Status::invalid("Arrow dictionary message without its batch");
    auto type = dictionary_types_.find(batch->id());
    if (type == dictionary_types_.end()) {
      return Status::invalid("Arrow dictionary batch for unknown dictionary id {}", batch->id());
    }
    PX_ASSIGN_OR_RETURN(int64_t length, batch_length(batch->data()));
    BatchReader reader(*batch->data(), body, out_);
    PX_RETURN_IF_ERROR(reader.check_compression());
    ArrowArray array;
    PX_RETURN_IF_ERROR(decode_array(type->second, true, length, reader, array));
    auto& current = dictionaries_[batch->id()];
    // Each value is a string made here (a delta copies the values before it, too).
    const size_t copied = batch->is_delta() && current ? current->values.size() : 0;
    const size_t made = (copied + static_cast<size_t>(length)) * sizeof(std::string);
    if (made > out_.max_made_bytes - out_.made_bytes)
      return decoded_size_exceeded(out_.max_made_bytes);
    out_.made_bytes += made;
    auto dictionary = batch->is_delta() && current ? std::make_shared<ArrowDictionary>(*current)
                                                   : std::make_shared<ArrowDictionary>();
    if (static_cast<int64_t>(dictionary->values.size()) + length > kMaxRows) {
      return Status::invalid("Arrow dictionary of more than {} values", kMaxRows);
    }
    const bool large = type->second.kind == ArrowKind::kLargeUtf8;
    for (int64_t i = 0; i < length; ++i) {
      const int64_t begin =
          large ? load<int64_t>(array.offsets + i * 8) : load<int32_t>(array.offsets + i * 4);
      const int64_t end = large ? load<int64_t>(array.offsets + (i + 1) * 8)
                                : load<int32_t>(array.offsets + (i + 1) * 4);
      dictionary->values.emplace_back(reinterpret_cast<const char*>(array.values) + begin,
                                      static_cast<size_t>(end - begin));
      dictionary->valid.push_back(array.is_valid(i));
    }
    current = std::move(dictionary);
    return Status::ok();
  }

  Status read_record_batch(const fb::RecordBatch* batch, std::string_view body) {
    PX_ASSIGN_OR_RETURN(int64_t length, batch_length(batch));
    if (length > kMaxRows - out_.num_rows) {
      return Status::invalid("Arrow data of more than {} rows", kMaxRows);
    }
    BatchReader reader(*batch, body, out_);
    PX_RETURN_IF_ERROR(reader.check_compression());
    std::vector<ArrowArray> arrays(out_.fields.size());
    for (size_t i = 0; i < arrays.size(); ++i) {
      const ArrowType& type = out_.fields[i].type;
      Status status = decode_array(type, false, length, reader, arrays[i]);
      if (status.is_ok() && type.dictionary) {
        // A batch before its dictionary may only hold nulls (writers send no dictionary for
        // an empty table): it gets an empty one, against which any index is out of range.
        auto& dictionary = dictionaries_[type.dictionary_id];
        if (!dictionary) dictionary = std::make_shared<ArrowDictionary>();
        arrays[i].dictionary = dictionary;
        status = check_dictionary_indices(type, arrays[i]);
      }
      if (!status.is_ok()) return status.with_context("Arrow field '" + out_.fields[i].name + "'");
    }
    out_.num_rows += length;
    out_.batches.push_back(std::move(arrays));
    return Status::ok();
  }

  std::string_view bytes_;
  ArrowContents& out_;
  std::map<int64_t, ArrowType> dictionary_types_;
  std::map<int64_t, std::shared_ptr<const ArrowDictionary>> dictionaries_;
};

Status decode(std::string_view bytes, ArrowContents& out, bool schema_only) {
  Decoder decoder(bytes, out);
  return decoder.is_file() ? decoder.decode_file(schema_only) : decoder.decode_stream(schema_only);
}

}  // namespace

Result<ArrowContents> decode_arrow(std::string_view bytes, size_t max_decoded_bytes) {
  ArrowContents contents;
  contents.max_made_bytes = max_decoded_bytes;
  PX_RETURN_IF_ERROR(decode(bytes, contents, false));
  return contents;
}

Result<std::vector<ArrowField>> decode_arrow_schema(std::string_view bytes) {
  ArrowContents contents;
  PX_RETURN_IF_ERROR(decode(bytes, contents, true));
  return std::move(contents.fields);
}

}  // namespace parallax
