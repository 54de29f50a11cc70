// Rows into a hosted table by its mode: the first rows make the table (with its index and
// limit); later ones replace its rows, or are appended or upserted (views update).
#pragma once

#include "api/engine.h"
#include "common/status.h"
#include "core/row_batch.h"
#include "pipeline/pipeline_config.h"

namespace parallax {

Status apply_rows(Engine& engine, const TableSpec& spec, const RowBatch& batch, TableMode mode);

}  // namespace parallax
