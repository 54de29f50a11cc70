#include "api/table_input.h"

#include <filesystem>
#include <fstream>
#include <vector>

namespace parallax {

namespace {

Result<DataFormat> text_format(const std::optional<std::string>& format) {
  if (!format) return DataFormat::kCsv;
  auto parsed = data_format_from_name(*format);
  if (!parsed) return Status::invalid("unknown data format '{}'", *format);
  return *parsed;
}

}  // namespace

Result<std::string> read_file(const std::string& path, std::atomic<uint64_t>* bytes_read) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::invalid("cannot read file '{}'", path);
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  std::string text;
  if (!error) text.reserve(size);
  // In blocks, so a progress line can follow a big file.
  std::vector<char> block(8 << 20);
  while (file) {
    file.read(block.data(), static_cast<std::streamsize>(block.size()));
    text.append(block.data(), static_cast<size_t>(file.gcount()));
    if (bytes_read) bytes_read->store(text.size());
  }
  if (file.bad()) return Status::invalid("cannot read file '{}'", path);
  return text;
}

std::optional<std::string> format_of_path(const std::string& path) {
  auto ends_with = [&](std::string_view suffix) { return path.ends_with(suffix); };
  if (ends_with(".ndjson") || ends_with(".jsonl")) return "ndjson";
  if (ends_with(".json")) return "json";
  if (ends_with(".arrow") || ends_with(".arrows")) return "arrow";
  return std::nullopt;  // CSV
}

Result<TableInput> table_input_from_json(simdjson::dom::element data,
                                         std::optional<std::string> format) {
  if (data.is_string()) {
    PX_ASSIGN_OR_RETURN(DataFormat parsed, text_format(format));
    if (parsed == DataFormat::kArrow) return Status::invalid("Arrow data must come from a file");
    return TableInput(TableData{std::string(std::string_view(data)), parsed});
  }
  if (data.is_array()) return TableInput(TableData{simdjson::minify(data), DataFormat::kJson});
  if (!data.is_object()) return Status::invalid("table data must be a string, a list or an object");
  simdjson::dom::object object = data.get_object().value();
  bool all_type_names = true;  // {} too: a schema without columns
  for (auto field : object) all_type_names = all_type_names && field.value.is_string();
  if (!all_type_names) return TableInput(TableData{simdjson::minify(data), DataFormat::kColumns});
  Schema schema;
  for (auto field : object) {
    const std::string_view name = std::string_view(field.value);
    auto type = type_from_name(name);
    if (!type) return Status::invalid("unknown type '{}' for column '{}'", name, field.key);
    if (!schema.add({std::string(field.key), *type})) {
      return Status::invalid("schema names column '{}' twice", field.key);
    }
  }
  return TableInput(std::move(schema));
}

Result<TableInput> table_input_from_file(const std::string& path, std::optional<std::string> format,
                                         std::atomic<uint64_t>* bytes_read) {
  if (!format && (path.ends_with(".arrow") || path.ends_with(".arrows"))) format = "arrow";
  PX_ASSIGN_OR_RETURN(DataFormat parsed, text_format(format));
  PX_ASSIGN_OR_RETURN(std::string text, read_file(path, bytes_read));
  return TableInput(TableData{std::move(text), parsed});
}

}  // namespace parallax
