// JSON as Pyro4's json serializer writes and reads it (Python's json module: NaN, Infinity
// and -Infinity are accepted; tuples and sets travel as lists).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "scripting/python_value.h"

namespace parallax {

// Fails on bytes (json has no form for them), on non-string keys other than numbers and
// booleans (which Python's json turns into strings), and on text that is not UTF-8.
Result<std::string> json_encode(const PyValue& value);
Result<PyValue> json_decode(std::string_view text);

}  // namespace parallax
