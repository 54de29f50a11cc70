#include "pipeline/table_apply.h"

namespace parallax {

Status apply_rows(Engine& engine, const TableSpec& spec, const RowBatch& batch, TableMode mode) {
  if (!engine.table(spec.name).is_ok()) {
    TableOptions options;
    options.index = spec.index;
    options.limit = spec.limit;
    return engine.create_table(spec.name, batch, options);
  }
  if (mode == TableMode::kReplace) return engine.replace(spec.name, batch);
  return engine.update(spec.name, batch);
}

}  // namespace parallax
