// A view's window as Arrow IPC in the reference's layout (formats/arrow_writer.h), with the
// integer widths the reference gives a grouped view's aggregates: counts and sums Int64,
// distinct counts Uint32, percentages of integers Int64, the others the column's own Int32.
#pragma once

#include <string>

#include "formats/arrow_writer.h"
#include "query/view.h"

namespace parallax {

// `read` as the reference stores it for Arrow and CSV: percentages of an integer column's
// sums are integers there (truncated towards zero), floats in JSON. Its columns may point
// into `read`, which must outlive it.
Frame stored_frame(const View& view, const Frame& read);

std::string view_to_arrow(const View& view, const ViewWindow& window,
                          ArrowWriteOptions options = {});

// A frame read from `view` (e.g. View::read_changed's rows), with the same integer widths.
std::string frame_to_arrow(const View& view, const Frame& frame, ArrowWriteOptions options = {});

}  // namespace parallax
