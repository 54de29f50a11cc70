// Panopticon's exchange with a stock Pyro4 process: the table goes as a list of dicts (dates
// and datetimes as ISO text, as serpent sends them) and comes back as one. Values a pickle
// reply holds as objects (datetime.datetime, datetime.date, numpy scalars, pandas Timestamps)
// become plain values; anything else is an error naming its class.
#pragma once

#include "common/status.h"
#include "core/row_batch.h"
#include "scripting/python_value.h"

namespace parallax {

// Every row of the batch as a dict; nulls are None.
PyValue dicts_of_batch(const RowBatch& batch);

// A list of dicts as the script host's columnar reply {'names', 'kinds', 'columns',
// 'num_rows'} (columns in the order first seen; a row without a key has None there).
Result<PyValue> columns_of_dicts(const PyValue& rows);

}  // namespace parallax
