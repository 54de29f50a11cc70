// Conversions between the Perspective protocol's messages and the engine's own types
// (column types, view configs, viewports, table data).
#pragma once

#include <optional>
#include <string>

#include "api/table_data.h"
#include "common/status.h"
#include "core/data_type.h"
#include "perspective.pb.h"
#include "query/view.h"
#include "query/view_config.h"

namespace parallax::server {

namespace proto = ::perspective::proto;

proto::ColumnType column_type_of(DataType type);

Result<ViewConfig> view_config_from_proto(const proto::ViewConfig& config);
proto::ViewConfig view_config_to_proto(const ViewConfig& config);

// A viewport's rows and columns (to_csv, to_arrow).
ViewWindow view_window_from_proto(const proto::ViewPort& viewport);

// The window of a to_columns_string / to_json_string / to_ndjson_string request: its viewport
// and its id / index / leaves_only / formatted options.
template <typename ReadRequest>
ViewWindow read_window_from_proto(const ReadRequest& read) {
  ViewWindow window = view_window_from_proto(read.viewport());
  window.id = read.id();
  window.index = read.index();
  window.leaves_only = read.leaves_only();
  window.formatted = read.formatted();
  return window;
}

// Rows, columns, CSV, NDJSON or Arrow as the engine reads them; a schema or a view holds none.
Result<TableData> table_data_from_proto(const proto::MakeTableData& data);
Result<Schema> schema_from_proto(const proto::Schema& schema);

}  // namespace parallax::server
