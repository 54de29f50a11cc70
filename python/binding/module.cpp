// The `parallax._parallax` extension: LockedEngine (the engine behind a mutex) for the pure-Python
// package in python/parallax. Conversions happen here with the GIL held; engine work runs
// with it released. A failed Status becomes parallax.PerspectiveError, the only exception.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "binding/locked_engine.h"
#include "binding/queued_link.h"

namespace py = pybind11;

namespace parallax::python {

namespace {

struct EngineError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(const Status& status) {
  if (!status.is_ok()) throw EngineError(status.message());
}

template <typename T>
T value_of(Result<T> result) {
  check(result.status());
  return std::move(result).value();
}

DataType type_of(const std::string& name) {
  auto type = type_from_name(name);
  if (!type) throw EngineError("unknown column type '" + name + "'");
  return *type;
}

TableOptions options_of(std::optional<std::string> index, std::optional<int64_t> limit) {
  TableOptions options;
  options.index = std::move(index);
  if (limit) {
    if (*limit < 0 || *limit > int64_t{UINT32_MAX})
      throw EngineError("limit must be a whole number of rows, not " + std::to_string(*limit));
    options.limit = static_cast<uint32_t>(*limit);
  }
  return options;
}

DataFormat format_of(const std::string& name) {
  auto format = data_format_from_name(name);
  if (!format) throw EngineError("unknown data format '" + name + "'");
  return *format;
}

// Strings from a list of str (None is null).
void append_strings(Column& column, const py::list& values) {
  column.reserve(values.size());
  for (const py::handle item : values) {
    if (item.is_none()) {
      column.append_null();
      continue;
    }
    Py_ssize_t size = 0;
    const char* text = PyUnicode_AsUTF8AndSize(item.ptr(), &size);
    if (text == nullptr) {
      PyErr_Clear();
      throw EngineError("a string column holds a value that is not a str");
    }
    column.append_string(std::string_view(text, static_cast<size_t>(size)));
  }
}

template <typename Storage>
void append_values(Column& column, const py::object& values, const py::object& valid) {
  auto array = py::array_t<Storage, py::array::c_style | py::array::forcecast>::ensure(values);
  if (!array) throw EngineError("a column's values are not an array of its storage type");
  const Storage* data = array.data();
  const auto size = static_cast<size_t>(array.size());
  column.reserve(size);
  if (valid.is_none()) {
    for (size_t row = 0; row < size; ++row) column.append<Storage>(data[row]);
    return;
  }
  auto mask = py::array_t<uint8_t, py::array::c_style | py::array::forcecast>::ensure(valid);
  if (!mask || static_cast<size_t>(mask.size()) != size)
    throw EngineError("a column's validity does not match its values");
  const uint8_t* bits = mask.data();
  for (size_t row = 0; row < size; ++row) {
    if (bits[row]) {
      column.append<Storage>(data[row]);
    } else {
      column.append_null();
    }
  }
}

// Columns as the Python package prepares them: (name, type name, values, validity or None),
// where values are an array of the type's storage, or a list of str for strings.
RowBatch batch_of(const py::list& columns) {
  RowBatch batch;
  bool first = true;
  for (const py::handle item : columns) {
    auto spec = item.cast<py::tuple>();
    if (spec.size() != 4) throw EngineError("a column is (name, type, values, valid)");
    const DataType type = type_of(spec[1].cast<std::string>());
    Column column(type);
    if (type == DataType::kString) {
      append_strings(column, spec[2].cast<py::list>());
    } else {
      visit_type(type, [&](auto tag) {
        using Storage = typename decltype(tag)::Storage;
        if constexpr (!std::is_same_v<Storage, uint32_t>) {
          append_values<Storage>(column, spec[2], spec[3]);
        }
      });
    }
    if (first) {
      batch.num_rows = column.size();
      first = false;
    } else if (column.size() != batch.num_rows) {
      throw EngineError("the columns have different lengths");
    }
    batch.columns.push_back({spec[0].cast<std::string>(), std::move(column), std::nullopt});
  }
  return batch;
}

py::list notifications_of(Notifications notifications) {
  py::list out;
  for (auto& notification : notifications) {
    py::object delta = py::none();
    if (notification.delta) delta = py::bytes(*notification.delta);
    out.append(py::make_tuple(notification.subscription, delta));
  }
  return out;
}

py::list fields_of(const std::vector<Field>& fields) {
  py::list out;
  for (const auto& field : fields) out.append(py::make_tuple(field.name, type_name(field.type)));
  return out;
}

// A scalar as the plain Python value of its storage (dates as days, datetimes as ms).
py::object scalar_of(const Scalar& value) {
  if (!value.valid) return py::none();
  switch (value.type) {
    case DataType::kBoolean:
      return py::bool_(value.integer != 0);
    case DataType::kFloat:
      return py::float_(value.number);
    case DataType::kString:
      return py::str(value.text);
    default:
      return py::int_(value.integer);
  }
}

// Hands a vector's bytes to numpy without copying them.
py::array array_of(std::vector<uint8_t> bytes, const py::dtype& dtype) {
  auto* owned = new std::vector<uint8_t>(std::move(bytes));
  py::capsule release(owned, [](void* p) { delete static_cast<std::vector<uint8_t>*>(p); });
  const auto count = static_cast<py::ssize_t>(owned->size() / dtype.itemsize());
  return py::array(dtype, {count}, {dtype.itemsize()}, owned->data(), release);
}

py::dtype storage_dtype(DataType type) {
  switch (type) {
    case DataType::kBoolean:
      return py::dtype::of<uint8_t>();
    case DataType::kFloat:
      return py::dtype::of<double>();
    case DataType::kDatetime:
      return py::dtype::of<int64_t>();
    default:
      return py::dtype::of<int32_t>();  // integer, date (days), string (codes)
  }
}

ReadFormat read_format_of(const std::string& name) {
  if (name == "json") return ReadFormat::kJsonRows;
  if (name == "columns") return ReadFormat::kJsonColumns;
  if (name == "csv") return ReadFormat::kCsv;
  if (name == "ndjson") return ReadFormat::kNdjson;
  if (name == "arrow") return ReadFormat::kArrow;
  throw EngineError("unknown output format '" + name + "'");
}

// One websocket client of a web handler (parallax.handlers): protocol messages in, its
// queued answers and notifications out.
class WebClient {
 public:
  WebClient(std::shared_ptr<LockedEngine> engine, bool lock, size_t max_queued_bytes)
      : engine_(std::move(engine)),
        link_(std::make_shared<QueuedLink>(next_id_++, max_queued_bytes,
                                           engine_->web_queue_budget())),
        lock_(lock) {}
  ~WebClient() { close(); }

  Notifications handle(std::string_view message) {
    if (closed_) throw EngineError("this web client is closed");
    return value_of(engine_->handle_request(link_, message, lock_));
  }
  std::optional<std::vector<std::string>> drain() { return link_->drain(); }
  int fileno() const { return link_->wake_fd(); }
  uint64_t id() const { return link_->client_id(); }
  void close() {
    if (closed_) return;
    closed_ = true;
    engine_->disconnect(link_->client_id(), lock_);
    link_->close();
  }

 private:
  static inline std::atomic<uint64_t> next_id_{1};
  std::shared_ptr<LockedEngine> engine_;
  std::shared_ptr<QueuedLink> link_;
  bool lock_;
  bool closed_ = false;
};

}  // namespace

PYBIND11_MODULE(_parallax, m) {
  m.doc() = "Parallax engine bindings; use the `parallax` package.";
  py::register_exception<EngineError>(m, "PerspectiveError");

  using Release = py::call_guard<py::gil_scoped_release>;
  py::class_<WebClient>(m, "WebClient")
      .def("handle",
           [](WebClient& client, const py::bytes& message) {
             const std::string_view bytes = message;  // immutable, kept alive by the caller
             Notifications notifications;
             {
               py::gil_scoped_release release;
               notifications = client.handle(bytes);
             }
             return notifications_of(std::move(notifications));
           })
      .def("drain",
           [](WebClient& client) -> py::object {
             auto messages = client.drain();
             if (!messages) return py::none();
             py::list out;
             for (const auto& message : *messages) out.append(py::bytes(message));
             return out;
           })
      .def("fileno", &WebClient::fileno)
      .def_property_readonly("id", &WebClient::id)
      .def("close", &WebClient::close, Release());

  py::class_<LockedEngine, std::shared_ptr<LockedEngine>>(m, "LockedEngine")
      .def(py::init<size_t>(),
           py::arg("max_total_queued_bytes") = server::QueueBudget::default_max_bytes())
      .def(
          "connect",
          [](std::shared_ptr<LockedEngine> s, bool lock, size_t max_queued_bytes) {
            return std::make_unique<WebClient>(std::move(s), lock, max_queued_bytes);
          },
          py::arg("lock"), py::arg("max_queued_bytes"))
      .def("create_table_text",
           [](LockedEngine& s, const std::string& name, std::string text, const std::string& format,
              std::optional<std::string> index, std::optional<int64_t> limit,
              std::vector<std::pair<std::string, std::string>> known_types) {
             TableData data{std::move(text), format_of(format)};
             TableOptions options = options_of(std::move(index), limit);
             py::gil_scoped_release release;
             check(s.create_table(name, data, std::move(options), known_types));
           })
      .def("create_table_columns",
           [](LockedEngine& s, const std::string& name, const py::list& columns,
              std::optional<std::string> index, std::optional<int64_t> limit) {
             RowBatch batch = batch_of(columns);
             TableOptions options = options_of(std::move(index), limit);
             py::gil_scoped_release release;
             check(s.create_table(name, batch, std::move(options)));
           })
      .def("create_table_schema",
           [](LockedEngine& s, const std::string& name,
              const std::vector<std::pair<std::string, std::string>>& fields,
              std::optional<std::string> index, std::optional<int64_t> limit) {
             Schema schema;
             for (const auto& [column, type] : fields) {
               if (!schema.add({column, type_of(type)}))
                 throw EngineError("the schema names column '" + column + "' twice");
             }
             TableOptions options = options_of(std::move(index), limit);
             py::gil_scoped_release release;
             check(s.create_table(name, std::move(schema), std::move(options)));
           })
      .def(
          "delete_table",
          [](LockedEngine& s, const std::string& name) { check(s.delete_table(name)); }, Release())
      .def("table_names", &LockedEngine::table_names, Release())
      .def("table_info",
           [](LockedEngine& s, const std::string& name) {
             TableInfo info;
             {
               py::gil_scoped_release release;
               info = value_of(s.table_info(name));
             }
             py::object limit = py::none();
             if (info.limit) limit = py::int_(*info.limit);
             return py::make_tuple(info.size, fields_of(info.schema), info.index, limit);
           })
      .def("update_text",
           [](LockedEngine& s, const std::string& table, std::string text,
              const std::string& format, bool replace) {
             TableData data{std::move(text), format_of(format)};
             Notifications notifications;
             {
               py::gil_scoped_release release;
               notifications = value_of(replace ? s.replace(table, data) : s.update(table, data));
             }
             return notifications_of(std::move(notifications));
           })
      .def("update_columns",
           [](LockedEngine& s, const std::string& table, const py::list& columns, bool replace) {
             RowBatch batch = batch_of(columns);
             Notifications notifications;
             {
               py::gil_scoped_release release;
               notifications = value_of(replace ? s.replace(table, batch) : s.update(table, batch));
             }
             return notifications_of(std::move(notifications));
           })
      .def("remove",
           [](LockedEngine& s, const std::string& table, const std::string& keys_json) {
             Notifications notifications;
             {
               py::gil_scoped_release release;
               notifications = value_of(s.remove(table, keys_json));
             }
             return notifications_of(std::move(notifications));
           })
      .def("clear",
           [](LockedEngine& s, const std::string& table) {
             Notifications notifications;
             {
               py::gil_scoped_release release;
               notifications = value_of(s.clear(table));
             }
             return notifications_of(std::move(notifications));
           })
      .def(
          "create_view",
          [](LockedEngine& s, const std::string& table, const std::string& name,
             const std::string& config_json) { check(s.create_view(table, name, config_json)); },
          Release())
      .def(
          "delete_view",
          [](LockedEngine& s, const std::string& name) { check(s.delete_view(name)); }, Release())
      .def(
          "read",
          [](LockedEngine& s, const std::string& view, const std::string& format,
             const std::string& window_json, bool lz4) -> py::object {
            const ReadFormat read_format = read_format_of(format);
            std::string out;
            {
              py::gil_scoped_release release;
              out = value_of(s.read(view, read_format, window_json, lz4));
            }
            if (read_format == ReadFormat::kArrow) return py::bytes(out);
            return py::str(out);
          },
          py::arg("view"), py::arg("format"), py::arg("window_json"), py::arg("lz4") = false)
      .def("copy_columns",
           [](LockedEngine& s, const std::string& view, const std::string& window_json) {
             std::vector<ColumnCopy> copies;
             {
               py::gil_scoped_release release;
               copies = value_of(s.copy_columns(view, window_json));
             }
             py::list out;
             for (auto& copy : copies) {
               py::object strings = py::none();
               if (copy.type == DataType::kString) strings = py::cast(copy.strings);
               out.append(py::make_tuple(copy.name, type_name(copy.type),
                                         array_of(std::move(copy.bytes), storage_dtype(copy.type)),
                                         array_of(std::move(copy.valid), py::dtype("bool")),
                                         strings));
             }
             return out;
           })
      .def("view_schema",
           [](LockedEngine& s, const std::string& view) {
             std::vector<Field> fields;
             {
               py::gil_scoped_release release;
               fields = value_of(s.view_schema(view));
             }
             return fields_of(fields);
           })
      .def(
          "validate_expressions",
          [](LockedEngine& s, const std::string& table,
             const std::vector<std::pair<std::string, std::string>>& expressions) {
            return value_of(s.validate_expressions(table, expressions));
          },
          Release())
      .def("expression_schema",
           [](LockedEngine& s, const std::string& view) {
             std::vector<Field> fields;
             {
               py::gil_scoped_release release;
               fields = value_of(s.expression_schema(view));
             }
             return fields_of(fields);
           })
      .def(
          "view_config_json",
          [](LockedEngine& s, const std::string& view) {
            return value_of(s.view_config_json(view));
          },
          Release())
      .def(
          "column_paths",
          [](LockedEngine& s, const std::string& view) { return value_of(s.column_paths(view)); },
          Release())
      .def(
          "dimensions",
          [](LockedEngine& s, const std::string& view) { return value_of(s.dimensions(view)); },
          Release())
      .def("min_max",
           [](LockedEngine& s, const std::string& view, const std::string& column) {
             std::pair<Scalar, Scalar> range;
             {
               py::gil_scoped_release release;
               range = value_of(s.min_max(view, column));
             }
             return py::make_tuple(type_name(range.first.type), scalar_of(range.first),
                                   scalar_of(range.second));
           })
      .def(
          "expand",
          [](LockedEngine& s, const std::string& view, size_t row) {
            return value_of(s.expand(view, row));
          },
          Release())
      .def(
          "collapse",
          [](LockedEngine& s, const std::string& view, size_t row) {
            return value_of(s.collapse(view, row));
          },
          Release())
      .def(
          "set_depth",
          [](LockedEngine& s, const std::string& view, size_t depth) {
            check(s.set_depth(view, depth));
          },
          Release())
      .def(
          "on_update",
          [](LockedEngine& s, const std::string& view, bool row_deltas) {
            return value_of(s.on_update(view, row_deltas));
          },
          Release())
      .def(
          "remove_update",
          [](LockedEngine& s, const std::string& view, uint64_t id) {
            check(s.remove_update(view, id));
          },
          Release());
}

}  // namespace parallax::python
