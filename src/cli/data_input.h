// The command line's files as tables: the reading itself is api/table_input; this adds the
// progress line a terminal shows for a long load.
#pragma once

#include <string>

#include "api/engine.h"
#include "api/table_input.h"

namespace parallax {

// Loads FILE (its format from its name) as table NAME; on a terminal, a load of more than a
// few seconds shows a progress line.
Status create_table_from_file(Engine& engine, const std::string& name, const std::string& path,
                              TableOptions options);

}  // namespace parallax
