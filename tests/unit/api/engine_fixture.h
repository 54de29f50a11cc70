// What the api tests share: table data from JSON text, a view's rows as JSON columns, and
// each view's ROW-mode delta (read_changed) for the last change.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "api/engine.h"
#include "formats/json_writer.h"

namespace parallax::test {

inline TableData json(std::string text) {
  return {std::move(text), DataFormat::kJson};
}

// The view's rows up to `end` (all of them without one), with their keys (__ID__), as JSON
// columns.
inline std::string read_json(Engine& engine, const std::string& name,
                             std::optional<double> end = std::nullopt) {
  const View* view = engine.view(name).value();
  ViewWindow window;
  window.id = true;
  window.end_row = end;
  return write_json_columns(view->read(window, KeyColumns::kTrailing));
}

// Subscribes each named view as a ROW-mode client does (tracking its changed rows):
// `deltas[view]` becomes its delta for each change.
inline void record_deltas(Engine& engine, const std::vector<std::string>& names,
                          std::map<std::string, std::string>& deltas) {
  for (const std::string& name : names) {
    ASSERT_TRUE(engine
                    .on_update(name,
                               [&engine, &deltas](const ViewUpdate& update) {
                                 const View* view = engine.view(update.view).value();
                                 deltas[update.view] =
                                     write_json_columns(view->read_changed(update.changes));
                               })
                    .is_ok());
    ASSERT_TRUE(engine.track_changes(name).is_ok());
  }
}

}  // namespace parallax::test
