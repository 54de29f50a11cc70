// Serpent: Python literals as UTF-8 text (what Pyro4 sends by default; the receiver uses
// ast.literal_eval). The encoder writes what serpent 1.41 writes; the decoder reads any
// Python literal of the kinds PyValue holds and refuses everything else with a clear error.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "scripting/python_value.h"

namespace parallax {

// Values nested deeper than this are refused, writing and reading (the reader recurses).
inline constexpr int kSerpentMaxDepth = 200;

// With the "# serpent utf-8 python3.2" header line. Fails on strings that are not UTF-8.
Result<std::string> serpent_encode(const PyValue& value);
// Serpent's NaN ({'__class__': 'float', 'value': 'nan'}) comes back as a float NaN.
Result<PyValue> serpent_decode(std::string_view text);

// Appends `value` as a Python float literal (repr, with serpent's 1e30000 for infinity).
void append_python_float(std::string& out, double value);

}  // namespace parallax
