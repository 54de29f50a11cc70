// Decodes Arrow IPC bytes (the stream format, or the file format through its footer) into
// fields and per-batch arrays that point into the input (or into decompressed copies).
// Everything is checked here: flatbuffers with the Verifier, every buffer inside its body,
// sizes against lengths, offsets monotonic and in range, text valid UTF-8, dictionary indices
// in range. What leaves this file can be read without further checks.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "formats/arrow/arrow_type.h"

namespace parallax {

// The values of one dictionary id (always text here).
struct ArrowDictionary {
  std::vector<std::string_view> values;
  std::vector<uint8_t> valid;  // 1 when the entry is not null
};

// One field of one record batch.
struct ArrowArray {
  int64_t length = 0;
  int64_t null_count = 0;
  const uint8_t* validity = nullptr;  // null when no value is null
  const uint8_t* values = nullptr;    // fixed-width values or indices; bits for bool; text bytes
  const uint8_t* offsets = nullptr;   // text: length + 1 offsets (int32, or int64 when large)
  std::shared_ptr<const ArrowDictionary> dictionary;  // dictionary-encoded fields

  bool is_valid(int64_t row) const {
    return validity == nullptr || ((validity[row >> 3] >> (row & 7)) & 1);
  }
};

struct ArrowField {
  std::string name;
  ArrowType type;
};

struct ArrowContents {
  std::vector<ArrowField> fields;
  std::vector<std::vector<ArrowArray>> batches;  // [batch][field]
  int64_t num_rows = 0;
  // Decompressed buffers and realigned metadata the arrays point into.
  std::deque<std::vector<uint8_t>> owned;
  // What decoding made beyond the input (decompressed and zero-filled buffers), and its bound.
  size_t made_bytes = 0;
  size_t max_made_bytes = SIZE_MAX;
};

// `bytes` must outlive the result (uncompressed arrays point into it). Past
// `max_decoded_bytes` of buffers made (decompressed, or zeros standing in for a column of
// nulls' values), an error (formats/decode_limits.h) before they are made.
Result<ArrowContents> decode_arrow(std::string_view bytes, size_t max_decoded_bytes = SIZE_MAX);
// Only the schema (cheap: the first message, or the file footer).
Result<std::vector<ArrowField>> decode_arrow_schema(std::string_view bytes);

}  // namespace parallax
