// Frames as Apache Arrow IPC, in the reference's layout: one field per column, nullable, no
// metadata; integer -> Int32, float -> Float64, string -> dictionary-encoded Utf8 (Int32
// indices, one dictionary batch per string column holding the strings the rows use, in order
// of first use), date -> Date32<DAY>, datetime -> Timestamp<MILLISECOND> without a time zone,
// boolean -> Bool. The stream is schema, dictionary batches, one record batch, end marker.
// A grouped frame's row path leads as one column per level ("region (Group by 1)", typed as
// the group column, null beyond the row's depth).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/frame.h"

namespace parallax {

enum class ArrowFormat { kStream, kFile };
// LZ4_FRAME compresses each body buffer on its own, as the reference's "lz4" option does.
enum class ArrowCompression { kNone, kLz4Frame };

// How an integer column is written. The reference widens some aggregates of grouped views:
// counts and sums to Int64, distinct counts to Uint32. A float column given kInt64 is written
// as Int64, each value truncated (the reference's percentages of integer columns).
enum class ArrowInteger : uint8_t { kInt32, kInt64, kUint32 };

struct ArrowWriteOptions {
  ArrowFormat format = ArrowFormat::kStream;
  ArrowCompression compression = ArrowCompression::kNone;
  // Per frame column (integer columns, and float columns to write as Int64); Int32 where empty.
  std::vector<ArrowInteger> integers;
};

std::string write_arrow(const Frame& frame, const ArrowWriteOptions& options = {});

}  // namespace parallax
