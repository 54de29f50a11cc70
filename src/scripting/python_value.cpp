#include "scripting/python_value.h"

namespace parallax {

bool PyValue::truthy() const {
  switch (kind) {
    case PyKind::kNone:
      return false;
    case PyKind::kBool:
    case PyKind::kInt:
      return integer != 0;
    case PyKind::kBigInt:
      return true;
    case PyKind::kFloat:
      return number != 0;
    case PyKind::kStr:
    case PyKind::kBytes:
      return !text.empty();
    case PyKind::kList:
    case PyKind::kTuple:
    case PyKind::kSet:
      return !items.empty();
    case PyKind::kDict:
      return !entries.empty();
  }
  return false;
}

bool PyValue::hashable() const {
  if (kind == PyKind::kList || kind == PyKind::kDict || kind == PyKind::kSet) return false;
  // A tuple is as deep as the nesting bound of the codecs allows; a loop, not a recursion,
  // would gain nothing.
  for (const auto& item : items) {
    if (!item.hashable()) return false;
  }
  return true;
}

const PyValue* PyValue::get(std::string_view key) const {
  if (kind != PyKind::kDict) return nullptr;
  for (const auto& [name, value] : entries) {
    if (name.kind == PyKind::kStr && name.text == key) return &value;
  }
  return nullptr;
}

std::string_view py_type_name(PyKind kind) {
  switch (kind) {
    case PyKind::kNone:
      return "NoneType";
    case PyKind::kBool:
      return "bool";
    case PyKind::kInt:
    case PyKind::kBigInt:
      return "int";
    case PyKind::kFloat:
      return "float";
    case PyKind::kStr:
      return "str";
    case PyKind::kBytes:
      return "bytes";
    case PyKind::kList:
      return "list";
    case PyKind::kTuple:
      return "tuple";
    case PyKind::kSet:
      return "set";
    case PyKind::kDict:
      return "dict";
  }
  return "object";
}

}  // namespace parallax
