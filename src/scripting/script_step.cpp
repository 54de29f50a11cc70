#include "scripting/script_step.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "formats/arrow_writer.h"
#include "scripting/base64.h"
#include "scripting/pyro_json.h"
#include "scripting/row_dicts.h"
#include "scripting/script_config.h"
#include "scripting/script_table.h"

namespace parallax {

namespace {

PyroClientOptions client_options(const ScriptStepSettings& settings) {
  PyroClientOptions options;
  options.hmac_key = settings.hmac_key;
  options.allow_plain_pyro4 = settings.pyro_compat;
  options.serializer = settings.serialization;
  // The host kills the script at its timeout; the call waits a little longer for that reply.
  options.call_timeout = std::chrono::milliseconds(
      static_cast<int64_t>(std::ceil(settings.timeout_seconds * 1000)) + 5000);
  return options;
}

PyroAddress address_of(const ScriptStepSettings& settings) {
  PyroAddress address;
  address.host = settings.host;
  address.port = settings.port;
  address.object = settings.object_name;
  return address;
}

// A checkpoint: the value, and "date" or "datetime" when it is one (kept as ISO text, given
// to the script as a date or datetime again).
struct Checkpoint {
  PyValue value;
  std::string kind;
};

// The file holds the value as JSON; a date or datetime as {"date": ISO} or {"datetime": ISO}.
Result<Checkpoint> read_checkpoint(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Checkpoint{};  // the first run
  std::ostringstream text;
  text << file.rdbuf();
  auto value = json_decode(text.str());
  if (!value.is_ok()) return value.status().with_context("checkpoint file '" + path + "'");
  if (value->is_dict() && value->entries.size() == 1 && value->entries[0].first.is_str() &&
      value->entries[0].second.is_str()) {
    const std::string& kind = value->entries[0].first.text;
    if (kind == "date" || kind == "datetime") return Checkpoint{value->entries[0].second, kind};
  }
  return Checkpoint{std::move(value).value(), ""};
}

Status write_checkpoint(const std::string& path, const Checkpoint& checkpoint) {
  PyValue stored = checkpoint.value;
  if (!checkpoint.kind.empty() && checkpoint.value.is_str()) {
    stored = PyValue::dict();
    stored.set(checkpoint.kind, checkpoint.value);
  }
  PX_ASSIGN_OR_RETURN(std::string text, json_encode(stored));
  const std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) return Status::invalid("cannot write checkpoint file '{}'", temporary);
    file << text << '\n';
    if (!file.flush()) return Status::invalid("cannot write checkpoint file '{}'", temporary);
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);  // atomic: a crash keeps the old value
  if (error)
    return Status::invalid("cannot replace checkpoint file '{}': {}", path, error.message());
  return Status::ok();
}

// The last value of the checkpoint column in the host's reply (before type conversion, so
// the script gets back exactly what it returned), with its kind when a date or datetime.
std::optional<Checkpoint> last_value_of(const PyValue& reply, const std::string& column) {
  const PyValue* names = reply.get("names");
  const PyValue* columns = reply.get("columns");
  const PyValue* kinds = reply.get("kinds");
  if (!names || !columns) return std::nullopt;
  for (size_t i = 0; i < names->items.size() && i < columns->items.size(); ++i) {
    if (names->items[i].is_str() && names->items[i].text == column) {
      const auto& values = columns->items[i].items;
      if (values.empty()) return std::nullopt;
      std::string kind;
      if (kinds && i < kinds->items.size() && kinds->items[i].is_str() &&
          (kinds->items[i].text == "date" || kinds->items[i].text == "datetime")) {
        kind = kinds->items[i].text;
      }
      return Checkpoint{values.back(), kind};
    }
  }
  return std::nullopt;
}

// The batch as an Arrow IPC stream (the engine's writer, as `to_arrow` writes tables).
std::string arrow_of_batch(const RowBatch& batch) {
  return write_arrow(frame_of_batch(batch));
}

}  // namespace

ScriptClient::ScriptClient(const ScriptStepSettings& settings)
    : proxy_(address_of(settings), client_options(settings)) {}

Result<ScriptResult> ScriptClient::run(const ScriptStepSettings& settings, const RowBatch* input) {
  if (!(settings.timeout_seconds > 0)) return Status::invalid("the timeout must be positive");
  if (settings.data_object_name.empty()) return Status::invalid("the data object name is empty");
  // The time zone may name parameters too (`time_zone: "{tz}"`), filled as they are, unquoted.
  PX_ASSIGN_OR_RETURN(const std::string time_zone,
                      fill_parameters(settings.time_zone, settings.parameters, false));
  if (!time_zone.empty()) PX_RETURN_IF_ERROR(check_time_zone(time_zone));
  PX_ASSIGN_OR_RETURN(ScriptParameters parameters,
                      parameters_in_utc(settings.parameters, time_zone));
  // A script file is reread at each run, so a running pipeline follows its edits.
  std::string source = settings.script;
  if (!settings.script_file.empty()) {
    PX_ASSIGN_OR_RETURN(source, read_text_file(settings.script_file, "script file"));
  }
  PX_ASSIGN_OR_RETURN(std::string script,
                      fill_parameters(source, parameters, settings.enclose_parameters_in_quotes));
  if (settings.list_of_dicts)
    return run_on_stock_server(settings, std::move(script), input, time_zone);
  PyValue request = PyValue::dict();
  request.set("script", PyValue::str(std::move(script)));
  request.set("data_name", PyValue::str(settings.data_object_name));
  // Arrow tables go through the exchange directory of a host on this machine, else inside
  // the messages as base64.
  std::optional<ArrowExchange> exchange = settings.use_arrow ? this->exchange() : std::nullopt;
  std::string input_file;
  if (input && settings.use_arrow) {
    std::string arrow = arrow_of_batch(*input);
    if (exchange) {
      auto name = exchange->put(arrow);
      if (name.is_ok()) {
        input_file = std::move(name).value();
      } else {
        forget_exchange();
        exchange.reset();
      }
    }
    if (!input_file.empty()) {
      request.set("arrow_input_file", PyValue::str(input_file));
    } else {
      request.set("arrow_input", PyValue::str(base64_encode(arrow)));
    }
  } else if (input) {
    request.set("input", script_input_from_batch(*input));
  }
  if (settings.use_arrow) request.set("arrow", PyValue::boolean(true));
  if (exchange) request.set("arrow_output_file", PyValue::boolean(true));
  request.set("timeout", PyValue::of_float(settings.timeout_seconds));
  request.set("mode", PyValue::str(settings.row_by_row ? "row" : "bulk"));
  if (!settings.profile.empty()) request.set("profile", PyValue::str(settings.profile));
  const bool keeps_checkpoint = !settings.checkpoint_column.empty();
  if (keeps_checkpoint) {
    if (settings.checkpoint_file.empty()) {
      return Status::invalid("a checkpoint column needs a checkpoint file");
    }
    PX_ASSIGN_OR_RETURN(Checkpoint checkpoint, read_checkpoint(settings.checkpoint_file));
    if (!checkpoint.kind.empty()) request.set("checkpoint_kind", PyValue::str(checkpoint.kind));
    request.set("checkpoint", std::move(checkpoint.value));
  }

  auto reply = proxy_.call(settings.method, {std::move(request)});
  if (!input_file.empty()) exchange->discard(input_file);  // normally taken by the host
  if (!reply.is_ok()) {
    if (exchange) forget_exchange();
    return reply.status().with_context("script host");
  }
  ScriptResult result;
  if (const PyValue* logs = reply->get("logs"); logs && logs->is_sequence()) {
    for (const auto& record : logs->items) {
      if (record.is_sequence() && record.items.size() == 2 && record.items[0].is_str() &&
          record.items[1].is_str()) {
        result.logs.push_back({record.items[0].text, record.items[1].text});
      }
    }
  }
  OutputOptions output;
  output.schema = settings.output_schema ? &*settings.output_schema : nullptr;
  std::optional<Checkpoint> checkpoint;
  if (settings.use_arrow) {
    std::string bytes;
    if (const PyValue* file = reply->get("arrow_file"); file && file->is_str() && exchange) {
      PX_ASSIGN_OR_RETURN(bytes, exchange->take(file->text));
    } else if (const PyValue* arrow = reply->get("arrow"); arrow && arrow->is_str()) {
      PX_ASSIGN_OR_RETURN(bytes, base64_decode(arrow->text));
    } else {
      return Status::invalid("the script host sent no Arrow reply");
    }
    PX_ASSIGN_OR_RETURN(result.rows, batch_from_arrow_output(bytes, output));
    if (keeps_checkpoint && result.rows.num_rows > 0) {
      const BatchColumn* column = result.rows.find(settings.checkpoint_column);
      const DataType type = column ? column->values.type() : DataType::kString;
      checkpoint = Checkpoint{last_value_in(result.rows, settings.checkpoint_column),
                              type == DataType::kDate       ? "date"
                              : type == DataType::kDatetime ? "datetime"
                                                            : ""};
    }
  } else {
    PX_ASSIGN_OR_RETURN(result.rows, batch_from_script_output(reply.value(), output));
    if (keeps_checkpoint) checkpoint = last_value_of(reply.value(), settings.checkpoint_column);
  }
  // Checkpoints keep UTC; only what is shown moves to the time zone.
  PX_RETURN_IF_ERROR(show_in_time_zone(result.rows, time_zone));
  if (keeps_checkpoint) {
    if (result.rows.num_rows > 0 && !result.rows.find(settings.checkpoint_column)) {
      return Status::invalid("the checkpoint column '{}' is not in the output",
                             settings.checkpoint_column);
    }
    // Only a successful run moves the checkpoint; an empty one keeps the old value.
    if (checkpoint) PX_RETURN_IF_ERROR(write_checkpoint(settings.checkpoint_file, *checkpoint));
  }
  return result;
}

Result<ScriptResult> ScriptClient::run_on_stock_server(const ScriptStepSettings& settings,
                                                       std::string script, const RowBatch* input,
                                                       const std::string& time_zone) {
  PyValue rows = input ? dicts_of_batch(*input) : PyValue::none();
  auto reply = proxy_.call(settings.method, {PyValue::str(std::move(script)), std::move(rows),
                                             PyValue::str(settings.data_object_name)});
  if (!reply.is_ok()) return reply.status().with_context("Pyro object");
  auto columns = columns_of_dicts(reply.value());
  if (!columns.is_ok()) return columns.status().with_context("Pyro object's reply");
  OutputOptions output;
  output.schema = settings.output_schema ? &*settings.output_schema : nullptr;
  ScriptResult result;
  PX_ASSIGN_OR_RETURN(result.rows, batch_from_script_output(columns.value(), output));
  PX_RETURN_IF_ERROR(show_in_time_zone(result.rows, time_zone));
  return result;
}

std::optional<ArrowExchange> ScriptClient::exchange() {
  std::lock_guard lock(exchange_mutex_);
  if (!exchange_known_) {
    auto info = proxy_.call("info", {});
    if (!info.is_ok()) return std::nullopt;  // the run reports what is wrong
    exchange_ = ArrowExchange::from_host_info(info.value());
    exchange_known_ = true;
  }
  return exchange_;
}

void ScriptClient::forget_exchange() {
  std::lock_guard lock(exchange_mutex_);
  exchange_known_ = false;
  exchange_.reset();
}

Result<std::string> ScriptClient::test_connection() {
  PX_RETURN_IF_ERROR(proxy_.ping());
  PX_ASSIGN_OR_RETURN(PyValue info, proxy_.call("info", {}));
  std::string text =
      "connected to " + proxy_.address().host + ":" + std::to_string(proxy_.address().port);
  if (const PyValue* profile = info.get("profile"); profile && profile->is_str()) {
    text += ", profile " + profile->text;
  }
  if (const PyValue* workers = info.get("workers"); workers && workers->kind == PyKind::kInt) {
    text += ", " + std::to_string(workers->integer) + " workers";
  }
  return text;
}

}  // namespace parallax
