// Tables to and from a script host: a batch becomes {'names', 'types', 'columns'} (dates as
// days, datetimes as UTC epoch milliseconds); the host's reply {'names', 'kinds', 'columns'}
// becomes a batch, its types inferred or checked against a declared schema.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "core/frame.h"
#include "core/row_batch.h"
#include "core/schema.h"
#include "scripting/python_value.h"

namespace parallax {

PyValue script_input_from_batch(const RowBatch& batch);
// Every row of the batch, in order, as a frame for the Arrow and CSV writers.
Frame frame_of_batch(const RowBatch& batch);

struct OutputOptions {
  const Schema* schema = nullptr;  // declared output schema; null infers types
  std::string time_zone;           // IANA name: datetimes are shifted to its wall clock
};

// A mismatch with the schema is an error naming the column and the row.
Result<RowBatch> batch_from_script_output(const PyValue& reply, const OutputOptions& options);

// The same from Arrow IPC bytes (use_arrow mode). A value that does not fit the declared
// schema is an error of the Arrow reader; missing and unknown columns are errors here.
Result<RowBatch> batch_from_arrow_output(std::string_view arrow, const OutputOptions& options);
// Shifts every datetime column from UTC to `zone`'s wall clock (no change when empty).
Status show_in_time_zone(RowBatch& batch, const std::string& zone);
// A cell as a script returns it: dates and datetimes as ISO text
// (yyyy-MM-dd, yyyy-MM-dd'T'HH:mm:ss.SSSSSS), nulls as None.
PyValue iso_cell_value(const Column& column, size_t row);
// The last row's value of a column, so (for checkpoints).
PyValue last_value_in(const RowBatch& batch, std::string_view column);

// The datetime spellings a script may return as text: yyyy-MM-dd'T'HH:mm:ss.SSSSSS,
// yyyy-MM-dd'T'HH:mm:ss (as UTC milliseconds) and yyyy-MM-dd (as days, for dates).
std::optional<int64_t> parse_script_datetime(std::string_view text);
std::optional<int32_t> parse_script_date(std::string_view text);

// Whether `zone` is a known IANA time zone.
Status check_time_zone(const std::string& zone);
// The UTC instant shown at `millis` on the wall clock of `zone` (and back).
Result<int64_t> utc_to_zone_wall_clock(int64_t millis, const std::string& zone);
Result<int64_t> zone_wall_clock_to_utc(int64_t millis, const std::string& zone);

}  // namespace parallax
