// Apache Arrow IPC input: the stream format and the file format, LZ4_FRAME-compressed bodies
// or not, into a batch. Every Arrow type Parallax has a use for is read: bool, signed and
// unsigned integers of 8 to 64 bits, float32/64, utf8, large_utf8, dictionary-encoded strings,
// date32, date64, timestamps of any unit and time zone. Bad bytes are an error, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/task_pool.h"
#include "core/row_batch.h"
#include "core/schema.h"

namespace parallax {

// Without `schema`, each column's type follows its Arrow type as the reference maps it
// (integers -> integer, floats -> float, text -> string, dates -> date, timestamps ->
// datetime in UTC milliseconds), except that a 64-bit or uint32 column holding a value beyond
// 32 bits becomes float (see docs/differences.md). With `schema`, values are converted to its
// types (fields it lacks are ignored; floats into an integer column truncate towards zero, as
// from JSON); a value that does not fit is an error. `max_decoded_bytes` bounds the buffers
// decoding makes and the columns read (kDecodedCellBytes a cell), checked before either is
// made (formats/decode_limits.h). With `pool`, the columns are read on its threads, a column
// per task (the batch, or the error, is one thread's).
Result<RowBatch> read_arrow(std::string_view bytes, const Schema* schema = nullptr,
                            size_t max_decoded_bytes = SIZE_MAX, TaskPool* pool = nullptr);

// Each field's name and Arrow type as the apache-arrow library prints it ("Int32",
// "Dictionary<Int32, Utf8>", "Timestamp<MILLISECOND>"), in schema order.
Result<std::vector<std::pair<std::string, std::string>>> read_arrow_field_types(
    std::string_view bytes);

}  // namespace parallax
