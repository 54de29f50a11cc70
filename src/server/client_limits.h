// What one client (one connection) may hold at once. Each cap bounds something a client can
// otherwise grow without end just by asking: memory (views, tables), or work the engine does
// on every table change (subscriptions). A request past a cap gets an error naming the cap
// and its option, and changes nothing. Generous defaults: the viewer uses a few of each.
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"

namespace parallax::server {

struct ClientLimits {
  size_t views = 256;           // --client-views: views open at once
  size_t subscriptions = 1024;  // --client-subscriptions: on_update, on_delete, hosted tables
  size_t tables = 256;          // --client-tables: tables made by the client, not yet deleted
  size_t ports = 4096;          // --client-ports: ports handed to the client
  // Columns of a table a client makes: an update's cost grows faster than its width (one row
  // into 100,000 columns took 36 s of engine time, into 10,000 columns 0.3 s).
  size_t table_columns = 4096;  // --table-columns
  size_t expressions = 256;     // --view-expressions: expression columns in one view or request
  // In one view's config: group_by and split_by levels each (a level costs memory for every
  // row: 2,000 levels of a 10,000-row table took 720 MB and 7 s) ...
  size_t group_levels = 64;  // --view-group-levels
  // ... and columns, sort keys, filter terms and aggregates each (20,000 filter terms took
  // 1.2 s to build, and as long on every update).
  size_t config_terms = 4096;  // --view-config-terms
};

// The error for a request that would go past `cap`: "at most 256 views per client (...)".
inline Status client_limit_reached(size_t cap, const char* what, const char* option) {
  return Status::invalid("client limit reached: at most {} {} (the server's {} option)", cap, what,
                         option);
}

}  // namespace parallax::server
