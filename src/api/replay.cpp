#include "api/replay.h"

#include <chrono>
#include <fstream>
#include <string>

#include <simdjson.h>

#include "api/engine.h"
#include "api/json_results.h"
#include "api/table_input.h"
#include "api/view_config_json.h"
#include "api/view_output.h"
#include "formats/arrow_reader.h"
#include "formats/json_writer.h"

namespace parallax {

namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::optional<std::string> optional_string(object op, std::string_view key) {
  std::string_view value;
  if (op[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return std::string(value);
}

std::string name_field(object op, std::string_view key, std::string_view fallback) {
  return optional_string(op, key).value_or(std::string(fallback));
}

// Arrow bytes as the oracle reports them: {"schema": {column: Arrow type}, "columns": {column:
// values}}, decoded by Parallax's own reader (the interop tests check it against apache-arrow).
Result<std::string> arrow_result_json(std::string_view bytes) {
  PX_ASSIGN_OR_RETURN(auto types, read_arrow_field_types(bytes));
  PX_ASSIGN_OR_RETURN(RowBatch batch, read_arrow(bytes));
  std::string out = "{\"schema\":{";
  for (size_t i = 0; i < types.size(); ++i) {
    if (i > 0) out += ',';
    out += json_quoted(types[i].first) + ":" + json_quoted(types[i].second);
  }
  Frame frame;
  for (const auto& column : batch.columns) frame.columns.push_back({column.name, &column.values});
  frame.rows.resize(batch.num_rows);
  for (size_t row = 0; row < batch.num_rows; ++row) frame.rows[row] = static_cast<uint32_t>(row);
  return out + "},\"columns\":" + write_json_columns(frame) + "}";
}

class ReplaySession {
 public:
  Engine& engine() { return engine_; }
  // Runs one operation; the JSON text of its result, or an error.
  Result<std::string> run(object op) {
    std::string_view kind;
    if (op["op"].get(kind) != simdjson::SUCCESS)
      return Status::invalid("every line needs an \"op\"");
    if (kind == "table") return create_table(op);
    if (kind == "update" || kind == "replace") return load(op, kind == "replace");
    if (kind == "remove") return remove(op);
    if (kind == "clear") return done(engine_.clear(table_name(op)));
    if (kind == "size" || kind == "table_schema" || kind == "columns") return table_info(op, kind);
    if (kind == "view") return create_view(op);
    if (kind == "delete_view") return done(engine_.delete_view(view_name(op)));
    if (kind == "to_columns" || kind == "to_json" || kind == "to_csv" || kind == "to_ndjson") {
      return read_view(op, kind);
    }
    if (kind == "schema" || kind == "num_rows" || kind == "num_columns" || kind == "dimensions" ||
        kind == "column_paths" || kind == "config" || kind == "min_max") {
      return view_info(op, kind);
    }
    if (kind == "to_arrow") return to_arrow(op);
    if (kind == "validate_expressions") return validate_expressions(op);
    if (kind == "expression_schema") {
      PX_ASSIGN_OR_RETURN(std::vector<Field> fields, engine_.expression_schema(view_name(op)));
      return schema_json(fields);
    }
    if (kind == "expand" || kind == "collapse") return expand_or_collapse(op, kind);
    if (kind == "open_table" || kind == "hosted_tables") {
      return Status::unsupported("{} needs a server (--websocket)", kind);
    }
    return Status::invalid("unknown op '{}'", kind);
  }

 private:
  static std::string table_name(object op) { return name_field(op, "table", "t"); }
  static std::string view_name(object op) { return name_field(op, "view", "v"); }
  static Result<std::string> done(const Status& status) {
    if (!status.is_ok()) return status;
    return std::string("null");
  }

  static Result<TableInput> input_of(object op) {
    const auto format = optional_string(op, "format");
    if (auto path = optional_string(op, "path")) return table_input_from_file(*path, format);
    element data;
    if (op["data"].get(data) != simdjson::SUCCESS && op["schema"].get(data) != simdjson::SUCCESS) {
      return Status::invalid("the operation needs \"data\" or \"path\"");
    }
    return table_input_from_json(data, format);
  }

  Result<std::string> create_table(object op) {
    TableOptions options;
    options.index = optional_string(op, "index");
    element limit;
    if (op["limit"].get(limit) == simdjson::SUCCESS) {
      uint64_t value;
      if (limit.get(value) != simdjson::SUCCESS || value > UINT32_MAX) {
        return Status::invalid("limit must be a whole number of rows, not {}",
                               simdjson::minify(limit));
      }
      options.limit = static_cast<uint32_t>(value);
    }
    PX_ASSIGN_OR_RETURN(TableInput input, input_of(op));
    const std::string name = name_field(op, "name", "t");
    if (auto* schema = std::get_if<Schema>(&input)) {
      return done(engine_.create_table(name, std::move(*schema), std::move(options)));
    }
    return done(engine_.create_table(name, std::get<TableData>(input), std::move(options)));
  }

  Result<std::string> load(object op, bool replace) {
    PX_ASSIGN_OR_RETURN(TableInput input, input_of(op));
    auto* data = std::get_if<TableData>(&input);
    if (data == nullptr) return Status::invalid("update data cannot be a schema");
    return done(replace ? engine_.replace(table_name(op), *data)
                        : engine_.update(table_name(op), *data));
  }

  Result<std::string> remove(object op) {
    element keys;
    if (op["keys"].get(keys) != simdjson::SUCCESS) return Status::invalid("remove needs \"keys\"");
    return done(engine_.remove(table_name(op), simdjson::minify(keys)));
  }

  Result<std::string> table_info(object op, std::string_view kind) {
    if (kind == "size") {
      PX_ASSIGN_OR_RETURN(size_t size, engine_.table_size(table_name(op)));
      return std::to_string(size);
    }
    PX_ASSIGN_OR_RETURN(const Table* table, engine_.table(table_name(op)));
    if (kind == "table_schema") return schema_json(table->schema().fields());
    std::vector<std::string> names;
    for (const auto& field : table->schema().fields()) names.push_back(field.name);
    return string_list_json(names);
  }

  Result<std::string> create_view(object op) {
    element config_json;
    std::string config_text = "{}";
    if (op["config"].get(config_json) == simdjson::SUCCESS)
      config_text = simdjson::minify(config_json);
    PX_ASSIGN_OR_RETURN(ViewConfig config, view_config_from_json(config_text));
    return done(
        engine_.create_view(table_name(op), name_field(op, "name", "v"), std::move(config)));
  }

  Result<std::string> read_view(object op, std::string_view kind) {
    PX_ASSIGN_OR_RETURN(const View* view, engine_.view(view_name(op)));
    ViewWindow window;
    element window_json;
    if (op["window"].get(window_json) == simdjson::SUCCESS) {
      PX_ASSIGN_OR_RETURN(window, view_window_from_json(simdjson::minify(window_json)));
    }
    if (kind == "to_columns") return write_view(*view, window, ViewTextFormat::kColumns);
    if (kind == "to_json") return write_view(*view, window, ViewTextFormat::kRows);
    const auto format = kind == "to_csv" ? ViewTextFormat::kCsv : ViewTextFormat::kNdjson;
    PX_ASSIGN_OR_RETURN(std::string text, write_view(*view, window, format));
    return json_quoted(text);
  }

  // The window's "compression": "lz4" compresses the body, as the reference does.
  Result<std::string> to_arrow(object op) {
    PX_ASSIGN_OR_RETURN(const View* view, engine_.view(view_name(op)));
    ViewWindow window;
    std::string compression;
    element window_json;
    if (op["window"].get(window_json) == simdjson::SUCCESS) {
      PX_ASSIGN_OR_RETURN(window, view_window_from_json(simdjson::minify(window_json)));
      std::string_view name;
      if (window_json["compression"].get(name) == simdjson::SUCCESS) compression = name;
    }
    PX_ASSIGN_OR_RETURN(const std::string bytes, write_view_arrow(*view, window, compression));
    if (auto save = optional_string(op, "save")) {
      std::ofstream file(*save, std::ios::binary);
      file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!file) return Status::invalid("cannot write '{}'", *save);
    }
    return arrow_result_json(bytes);
  }

  Result<std::string> view_info(object op, std::string_view kind) {
    PX_ASSIGN_OR_RETURN(const View* view, engine_.view(view_name(op)));
    if (kind == "schema") return schema_json(view->schema());
    if (kind == "num_rows") return std::to_string(view->num_rows());
    if (kind == "num_columns") return std::to_string(view->num_columns());
    if (kind == "column_paths") return string_list_json(view->column_paths());
    if (kind == "config") return config_json(view->config());
    if (kind == "dimensions") {
      PX_ASSIGN_OR_RETURN(ViewDimensions dimensions, engine_.dimensions(view_name(op)));
      return dimensions_json(dimensions);
    }
    auto column = optional_string(op, "column");
    if (!column) return Status::invalid("min_max needs a \"column\"");
    PX_ASSIGN_OR_RETURN(auto range, view->min_max(*column));
    return "[" + min_max_value_json(range.first) + "," + min_max_value_json(range.second) + "]";
  }

  // Parallax's own op (the oracle has none): {"op": "validate_expressions", "table",
  // "expressions": {name: text}} answers as the reference's table.validate_expressions.
  Result<std::string> validate_expressions(object op) {
    object expressions;
    if (op["expressions"].get(expressions) != simdjson::SUCCESS) {
      return Status::invalid("validate_expressions needs \"expressions\": {{name: text}}");
    }
    std::vector<std::pair<std::string, std::string>> pairs;
    for (auto entry : expressions) {
      std::string_view text;
      if (entry.value.get(text) != simdjson::SUCCESS) {
        return Status::invalid("expression '{}' must be a string", std::string(entry.key));
      }
      pairs.emplace_back(std::string(entry.key), std::string(text));
    }
    PX_ASSIGN_OR_RETURN(ExpressionValidation validation,
                        engine_.validate_expressions(table_name(op), pairs));
    return expression_validation_json(validation);
  }

  Result<std::string> expand_or_collapse(object op, std::string_view kind) {
    uint64_t row;
    if (op["row"].get(row) != simdjson::SUCCESS) return Status::invalid("{} needs a \"row\"", kind);
    PX_ASSIGN_OR_RETURN(int64_t changed, kind == "expand" ? engine_.expand(view_name(op), row)
                                                          : engine_.collapse(view_name(op), row));
    return std::to_string(changed);
  }

  Engine engine_;
};

}  // namespace

void run_replay_script(std::string_view script, bool timing,
                       const std::function<void(std::string_view)>& write, size_t threads) {
  ReplaySession session;
  session.engine().set_num_cpus(threads);
  simdjson::dom::parser parser;
  std::string out;
  size_t start = 0;
  while (start < script.size()) {
    size_t end = script.find('\n', start);
    if (end == std::string::npos) end = script.size();
    const std::string_view line(script.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;

    const auto began = std::chrono::steady_clock::now();
    Result<std::string> result = Status::invalid("a script line must be a JSON object");
    object op;
    if (parser.parse(line.data(), line.size()).get(op) == simdjson::SUCCESS)
      result = session.run(op);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count();

    out.clear();
    if (result.is_ok()) {
      out = "{\"ok\":" + result.value();
    } else {
      out = "{\"error\":" + json_quoted(result.status().message());
    }
    if (timing) out += fmt::format(",\"ms\":{:.3f}", ms);
    out += "}\n";
    write(out);
  }
}

}  // namespace parallax
