// Frames as Apache Arrow IPC, in the reference's layout: one field per column, nullable, no
// metadata; integer -> Int32, float -> Float64, string -> dictionary-encoded Utf8 (Int32
// indices, one dictionary batch per string column holding the strings the rows use, in order
// of first use), date -> Date32<DAY>, datetime -> Timestamp<MILLISECOND> without a time zone,
// boolean -> Bool. The stream is schema, dictionary batches, one record batch, end marker.
#pragma once

#include <string>

#include "core/frame.h"

namespace parallax {

enum class ArrowFormat { kStream, kFile };
// LZ4_FRAME compresses each body buffer on its own, as the reference's "lz4" option does.
enum class ArrowCompression { kNone, kLz4Frame };

struct ArrowWriteOptions {
  ArrowFormat format = ArrowFormat::kStream;
  ArrowCompression compression = ArrowCompression::kNone;
};

std::string write_arrow(const Frame& frame, const ArrowWriteOptions& options = {});

}  // namespace parallax
