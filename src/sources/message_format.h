// The encodings a message may carry rows in: JSON (one row object, or a list of them), CSV
// (text with a header row) and Arrow (an IPC stream), read by the readers in `formats`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "core/row_batch.h"
#include "core/schema.h"

namespace parallax {

enum class MessageFormat { kJson, kCsv, kArrow };

std::optional<MessageFormat> message_format_from_name(std::string_view name);

// With `schema`, the rows are read as its types and a value that does not fit is an error (the
// whole message is rejected); without, types are inferred. A message that decodes to more than
// `max_decoded_bytes` (batch_bytes) is an error, found before the memory is taken for JSON
// lists of rows and Arrow (formats/decode_limits.h; CSV makes at most 16 bytes a byte read).
Result<RowBatch> decode_message(std::string_view bytes, MessageFormat format, const Schema* schema,
                                size_t max_decoded_bytes = SIZE_MAX);

// What a decoded batch holds in memory: its columns' values and validity.
size_t batch_bytes(const RowBatch& batch);

}  // namespace parallax
