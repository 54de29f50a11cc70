// Python's pickle format for the values PyValue holds, for Pyro4 steps that ask for the
// pickle serializer (the host must allow it: unpickling runs code in the receiver, so the
// script host accepts it only with --allow-pickle). The encoder writes protocol 3. The
// decoder reads protocols 0-5 as Python writes them and never runs anything: a class or
// function a pickle names (GLOBAL, STACK_GLOBAL) only becomes a description, e.g. an
// exception arrives as {'__class__': 'builtins.ValueError', 'args': (...), 'attributes':
// {...}}, as serpent sends it. Every malformed input is an error naming the offset.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "scripting/python_value.h"

namespace parallax {

Result<std::string> pickle_encode(const PyValue& value);
Result<PyValue> pickle_decode(std::string_view data);

}  // namespace parallax
