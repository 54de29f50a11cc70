// Turning the `data` / `path` / `format` fields of a request into engine input (replay and
// the command line's files).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <simdjson.h>

#include "api/table_data.h"
#include "common/status.h"
#include "core/schema.h"

namespace parallax {

// Data is either rows to load or, for a new table, just a schema.
using TableInput = std::variant<TableData, Schema>;

// A JSON string is CSV unless `format` says otherwise; a list is rows; an object of type
// names is a schema; any other object is columns (the reference's rules).
Result<TableInput> table_input_from_json(simdjson::dom::element data,
                                         std::optional<std::string> format);
// A file's text is CSV unless `format` says otherwise; a file named *.arrow or *.arrows holds
// Arrow IPC bytes.
// BYTES_READ, when given, follows the reading (for a progress line).
Result<TableInput> table_input_from_file(const std::string& path, std::optional<std::string> format,
                                         std::atomic<uint64_t>* bytes_read = nullptr);

Result<std::string> read_file(const std::string& path, std::atomic<uint64_t>* bytes_read = nullptr);

// The input format a file's name suggests: "ndjson", "json", or nothing for CSV.
std::optional<std::string> format_of_path(const std::string& path);

}  // namespace parallax
