// Cutting large JSON inputs into runs of whole records that simdjson can parse on their own, one
// per task of the engine's pool. The cuts are guesses that a parse confirms: a cut that is not
// between two records leaves brackets unbalanced or a string unterminated in a run, which
// then fails to parse, and the reader reads the input in one piece instead (json_reader.cpp).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "common/task_pool.h"

namespace parallax {

// The elements of the top-level array `json` ("[{...},{...}]") cut into at most `count` runs
// of whole elements, each without the brackets and the separating commas ("{...},{...}"), in
// order. A cut is a comma between a '}' and a '{' outside strings; where the quotes before a
// cut are counted on `pool`. Empty when `json` is not such an array or no cut was found.
std::vector<std::string_view> split_json_rows(std::string_view json, size_t count, TaskPool* pool);

// `text` cut just past line breaks into at most `count` runs of whole lines, in order (NDJSON:
// a line break never falls inside a JSON value).
std::vector<std::string_view> split_lines(std::string_view text, size_t count);

}  // namespace parallax
