// The encodings a message may carry rows in: JSON (one row object, or a list of them), CSV
// (text with a header row) and Arrow (an IPC stream), read by the readers in `formats`.
#pragma once

#include <optional>
#include <string_view>

#include "common/status.h"
#include "core/row_batch.h"
#include "core/schema.h"

namespace parallax {

enum class MessageFormat { kJson, kCsv, kArrow };

std::optional<MessageFormat> message_format_from_name(std::string_view name);

// With `schema`, the rows are read as its types and a value that does not fit is an error (the
// whole message is rejected); without, types are inferred.
Result<RowBatch> decode_message(std::string_view bytes, MessageFormat format, const Schema* schema);

}  // namespace parallax
