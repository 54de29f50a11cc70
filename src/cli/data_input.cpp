#include "cli/data_input.h"

#include <filesystem>

#include "cli/load_progress.h"

namespace parallax {

Status create_table_from_file(Engine& engine, const std::string& name, const std::string& path,
                              TableOptions options) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  LoadProgress progress(path, error ? 0 : size);
  PX_ASSIGN_OR_RETURN(TableInput input,
                      table_input_from_file(path, format_of_path(path), &progress.bytes_read()));
  progress.parsing();
  PX_RETURN_IF_ERROR(engine.create_table(name, std::get<TableData>(input), std::move(options)));
  auto table = engine.table(name);
  progress.done(table.is_ok() ? table.value()->num_rows() : 0);
  return Status::ok();
}

}  // namespace parallax
