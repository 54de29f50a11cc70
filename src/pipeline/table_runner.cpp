#include "pipeline/table_runner.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "api/table_data.h"

namespace parallax {

TableRunner::TableRunner(TableSpec spec) : spec_(std::move(spec)) {
  // (Live sources are not read here: see live_table.)
  if (spec_.connector)
    connector_client_ = std::make_unique<ScriptClient>(spec_.connector->settings);
  for (const auto& step : spec_.transforms) {
    transform_clients_.push_back(std::make_unique<ScriptClient>(step.settings));
  }
  if (!spec_.file.empty()) watched_.push_back(spec_.file);
  if (spec_.connector && !spec_.connector->settings.script_file.empty())
    watched_.push_back(spec_.connector->settings.script_file);
  for (const auto& step : spec_.transforms) {
    if (!step.settings.script_file.empty()) watched_.push_back(step.settings.script_file);
  }
  last_read_.resize(watched_.size());
}

std::optional<TableRunner::FileSignature> TableRunner::signature(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return std::nullopt;
  const auto nanoseconds = [](const timespec& time) {
    return int64_t{time.tv_sec} * 1'000'000'000 + time.tv_nsec;
  };
  return FileSignature{nanoseconds(status.st_mtim), nanoseconds(status.st_ctim),
                       static_cast<uint64_t>(status.st_ino), static_cast<int64_t>(status.st_size)};
}

bool TableRunner::source_changed() const {
  for (size_t i = 0; i < watched_.size(); ++i) {
    if (signature(watched_[i]) != last_read_[i]) return true;
  }
  return false;
}

// Before reading: a write during the run triggers another one.
void TableRunner::remember_files() {
  for (size_t i = 0; i < watched_.size(); ++i) last_read_[i] = signature(watched_[i]);
}

Result<RowBatch> TableRunner::read_file_source() {
  std::ifstream file(spec_.file, std::ios::binary);
  if (!file) return Status::invalid("cannot read source file '{}'", spec_.file);
  std::ostringstream text;
  text << file.rdbuf();
  // With transforms, `schema` is the result's; the file's types are then inferred.
  const Schema* schema = spec_.schema && spec_.transforms.empty() ? &*spec_.schema : nullptr;
  auto batch = read_table_data(TableData{text.str(), spec_.file_format}, schema);
  if (!batch.is_ok()) return batch.status().with_context("source file '" + spec_.file + "'");
  return batch;
}

ScriptParameters TableRunner::parameters() const {
  ScriptParameters all;
  std::vector<const ScriptStepSpec*> steps;
  if (spec_.connector) steps.push_back(&*spec_.connector);
  for (const auto& step : spec_.transforms) steps.push_back(&step);
  std::lock_guard<std::mutex> lock(parameters_mutex_);
  for (const ScriptStepSpec* step : steps) {
    for (const auto& parameter : step->settings.parameters) {
      // Not a structured binding: clang 14 (the fuzz build) cannot capture one.
      const std::string& name = parameter.first;
      const auto& value = parameter.second;
      const bool seen = std::any_of(all.begin(), all.end(),
                                    [&name](const auto& known) { return known.first == name; });
      if (seen) continue;
      const auto set = set_parameters_.find(name);
      all.emplace_back(name, set == set_parameters_.end() ? value : set->second);
    }
  }
  return all;
}

bool TableRunner::set_parameter(const std::string& name, const std::string& value) {
  const ScriptParameters now = parameters();
  const auto known = std::find_if(
      now.begin(), now.end(), [&name](const auto& parameter) { return parameter.first == name; });
  if (known == now.end() || known->second == value) return false;
  std::lock_guard<std::mutex> lock(parameters_mutex_);
  set_parameters_[name] = value;
  return true;
}

Status TableRunner::check_client_value(const std::string& name, const std::string& value) const {
  // (The value in use, even the file's own, is no change: a restored row passes.)
  for (const auto& [known, current] : parameters()) {
    if (known == name && current == value) return Status::ok();
  }
  std::vector<const ScriptStepSpec*> steps;
  if (spec_.connector) steps.push_back(&*spec_.connector);
  for (const auto& step : spec_.transforms) steps.push_back(&step);
  const bool as_code = std::any_of(steps.begin(), steps.end(), [&name](const ScriptStepSpec* step) {
    const auto& declared = step->settings.parameters;
    const bool has = std::any_of(declared.begin(), declared.end(), [&name](const auto& parameter) {
      return parameter.first == name;
    });
    return has && (!step->settings.enclose_parameters_in_quotes ||
                   step->settings.time_zone.find("{" + name + "}") != std::string::npos);
  });
  const bool inert = std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view(" _.,:/+-").find(c) != std::string_view::npos;
  });
  if (!as_code || inert) return Status::ok();
  return Status::invalid(
      "parameter '{}' of table '{}' refused: a client may set it only to letters, digits, "
      "spaces and _ . , : / + - (its step fills it into the script unquoted, as code; "
      "enclose_parameters_in_quotes: true takes any text)",
      name, spec_.name);
}

Result<RowBatch> TableRunner::run_step(const ScriptStepSpec& step, ScriptClient& client,
                                       const RowBatch* input) {
  ScriptStepSettings settings = step.settings;
  {
    std::lock_guard<std::mutex> lock(parameters_mutex_);
    for (auto& [name, value] : settings.parameters) {
      if (const auto set = set_parameters_.find(name); set != set_parameters_.end())
        value = set->second;
    }
  }
  auto result = client.run(settings, input);
  if (!result.is_ok()) return result.status();
  for (const auto& record : result->logs) {
    std::fprintf(stderr, "parallax pipeline: table '%s': [%s] %s\n", spec_.name.c_str(),
                 record.level.c_str(), record.message.c_str());
  }
  return std::move(result->rows);
}

Result<RowBatch> TableRunner::produce() {
  remember_files();
  RowBatch batch;
  if (connector_client_) {
    auto rows = run_step(*spec_.connector, *connector_client_, nullptr);
    if (!rows.is_ok()) return rows.status().with_context("connector");
    batch = std::move(rows).value();
  } else {
    PX_ASSIGN_OR_RETURN(batch, read_file_source());
  }
  return transform(std::move(batch));
}

Result<RowBatch> TableRunner::transform(RowBatch batch) {
  for (size_t i = 0; i < spec_.transforms.size(); ++i) {
    auto rows = run_step(spec_.transforms[i], *transform_clients_[i], &batch);
    if (!rows.is_ok()) return rows.status().with_context(fmt::format("transform {}", i + 1));
    batch = std::move(rows).value();
  }
  if (batch.columns.empty()) return Status::invalid("the pipeline produced no columns");
  return batch;
}

}  // namespace parallax
