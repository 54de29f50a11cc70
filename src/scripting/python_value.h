// A Python value as it crosses the Pyro wire: the literals serpent and json can carry.
// Integers wider than 64 bits keep their decimal digits (kBigInt) instead of being rounded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parallax {

enum class PyKind { kNone, kBool, kInt, kBigInt, kFloat, kStr, kBytes, kList, kTuple, kSet, kDict };

struct PyValue {
  PyKind kind = PyKind::kNone;
  int64_t integer = 0;         // kBool (0/1), kInt
  double number = 0;           // kFloat
  std::string text;            // kStr (UTF-8), kBytes, kBigInt (decimal digits with sign)
  std::vector<PyValue> items;  // kList, kTuple, kSet
  std::vector<std::pair<PyValue, PyValue>> entries;  // kDict, in insertion order

  static PyValue none() { return {}; }
  static PyValue of_kind(PyKind kind) {
    PyValue value;
    value.kind = kind;
    return value;
  }
  static PyValue boolean(bool flag) {
    PyValue value = of_kind(PyKind::kBool);
    value.integer = flag ? 1 : 0;
    return value;
  }
  static PyValue of_int(int64_t number) {
    PyValue value = of_kind(PyKind::kInt);
    value.integer = number;
    return value;
  }
  static PyValue of_float(double number) {
    PyValue value = of_kind(PyKind::kFloat);
    value.number = number;
    return value;
  }
  static PyValue str(std::string text) { return of_text(PyKind::kStr, std::move(text)); }
  static PyValue bytes(std::string data) { return of_text(PyKind::kBytes, std::move(data)); }
  static PyValue of_text(PyKind kind, std::string text) {
    PyValue value = of_kind(kind);
    value.text = std::move(text);
    return value;
  }
  static PyValue list(std::vector<PyValue> values = {}) {
    return of_items(PyKind::kList, std::move(values));
  }
  static PyValue tuple(std::vector<PyValue> values = {}) {
    return of_items(PyKind::kTuple, std::move(values));
  }
  static PyValue of_items(PyKind kind, std::vector<PyValue> values) {
    PyValue value = of_kind(kind);
    value.items = std::move(values);
    return value;
  }
  static PyValue dict() { return of_kind(PyKind::kDict); }

  bool is_none() const { return kind == PyKind::kNone; }
  bool is_str() const { return kind == PyKind::kStr; }
  bool is_dict() const { return kind == PyKind::kDict; }
  // A list or tuple (json turns tuples into lists).
  bool is_sequence() const { return kind == PyKind::kList || kind == PyKind::kTuple; }
  bool truthy() const;
  // Whether Python could use it as a dict key or set item: not a list, dict or set, nor a
  // tuple holding one. Encoders refuse what Python would refuse to read back.
  bool hashable() const;

  // Dict lookup by string key; nullptr when absent or not a dict.
  const PyValue* get(std::string_view key) const;
  // Appends to a dict (no check for repeated keys: callers build dicts they control).
  PyValue& set(std::string key, PyValue value) {
    entries.emplace_back(str(std::move(key)), std::move(value));
    return entries.back().second;
  }

  bool operator==(const PyValue& other) const = default;
};

// Python's name for the kind: "int", "str", "dict", ...
std::string_view py_type_name(PyKind kind);

}  // namespace parallax
