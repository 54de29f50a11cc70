#include "api/view_config_json.h"

#include <simdjson.h>

namespace parallax {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

Result<std::string> string_of(element value, std::string_view what) {
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) {
    return Status::invalid("{} must be a string, not {}", what, simdjson::minify(value));
  }
  return std::string(text);
}

Result<std::vector<std::string>> strings_of(element value, std::string_view what) {
  array items;
  if (value.get(items) != simdjson::SUCCESS)
    return Status::invalid("{} must be a list of strings", what);
  std::vector<std::string> out;
  for (element item : items) {
    PX_ASSIGN_OR_RETURN(std::string text, string_of(item, what));
    out.push_back(std::move(text));
  }
  return out;
}

// {"col": "sum", "price": ["weighted mean", ["qty"]]}
Result<std::vector<AggregateChoice>> aggregates_of(element value) {
  object fields;
  if (value.get(fields) != simdjson::SUCCESS)
    return Status::invalid("aggregates must be an object of column: aggregate");
  std::vector<AggregateChoice> out;
  for (auto field : fields) {
    AggregateChoice choice{std::string(field.key), {}, {}};
    element spec = field.value;
    array parts;
    if (spec.is_string()) {
      choice.name = std::string(std::string_view(spec));
    } else if (spec.get(parts) == simdjson::SUCCESS && parts.size() == 2 &&
               parts.at(0).is_string()) {
      choice.name = std::string(std::string_view(parts.at(0)));
      element argument = parts.at(1);
      array arguments;
      if (argument.get(arguments) == simdjson::SUCCESS && arguments.size() == 1 &&
          arguments.at(0).is_string()) {
        choice.argument = std::string(std::string_view(arguments.at(0)));
      } else {
        return Status::invalid("aggregate of '{}' must be [name, [column]], not {}", choice.column,
                               simdjson::minify(spec));
      }
    } else {
      return Status::invalid("aggregate of '{}' must be a name or [name, [column]], not {}",
                             choice.column, simdjson::minify(spec));
    }
    out.push_back(std::move(choice));
  }
  return out;
}

Result<FilterValue> filter_value_of(element value) {
  FilterValue out;
  switch (value.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      break;
    case simdjson::dom::element_type::BOOL:
      out.kind = FilterValue::Kind::kBoolean;
      out.boolean = bool(value);
      break;
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE:
      out.kind = FilterValue::Kind::kNumber;
      out.number = double(value);
      break;
    case simdjson::dom::element_type::STRING:
      out.kind = FilterValue::Kind::kString;
      out.text = std::string(std::string_view(value));
      break;
    default:
      return Status::invalid("filter value {} is not a scalar", simdjson::minify(value));
  }
  return out;
}

Result<FilterTerm> filter_term_of(element value) {
  array parts;
  if (value.get(parts) != simdjson::SUCCESS || parts.size() < 2) {
    return Status::invalid("a filter is [column, op, value], not {}", simdjson::minify(value));
  }
  FilterTerm term;
  PX_ASSIGN_OR_RETURN(term.column, string_of(parts.at(0).value(), "a filter's column"));
  PX_ASSIGN_OR_RETURN(std::string op_name, string_of(parts.at(1).value(), "a filter's operator"));
  auto op = filter_op_from_name(op_name);
  if (!op) return Status::invalid("unknown filter operator '{}'", op_name);
  term.op = *op;
  if (parts.size() > 2) {
    element operand = parts.at(2).value();
    array list;
    if (operand.get(list) == simdjson::SUCCESS) {
      for (element item : list) {
        PX_ASSIGN_OR_RETURN(FilterValue item_value, filter_value_of(item));
        term.values.push_back(std::move(item_value));
      }
    } else {
      PX_ASSIGN_OR_RETURN(FilterValue single, filter_value_of(operand));
      if (single.kind != FilterValue::Kind::kNull) term.values.push_back(std::move(single));
    }
  }
  return term;
}

Result<std::vector<std::pair<std::string, std::string>>> string_pairs_of(element value,
                                                                         std::string_view what) {
  std::vector<std::pair<std::string, std::string>> out;
  object entries;
  if (value.get(entries) != simdjson::SUCCESS) return Status::invalid("{} must be an object", what);
  for (auto entry : entries) {
    // Aggregates may be ["weighted mean", "weight column"]; keep the text for the later layers.
    std::string text = entry.value.is_string() ? std::string(std::string_view(entry.value))
                                               : simdjson::minify(entry.value);
    out.emplace_back(std::string(entry.key), std::move(text));
  }
  return out;
}

}  // namespace

Result<ViewConfig> view_config_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  object fields;
  if (parser.parse(json.data(), json.size()).get(fields) != simdjson::SUCCESS) {
    return Status::invalid("a view config must be a JSON object");
  }
  ViewConfig config;
  for (auto field : fields) {
    const std::string_view key = field.key;
    element value = field.value;
    if (key == "columns") {
      if (!value.is_null()) {
        PX_ASSIGN_OR_RETURN(config.columns, strings_of(value, "columns"));
      }
    } else if (key == "group_by" || key == "row_pivots") {
      PX_ASSIGN_OR_RETURN(config.group_by, strings_of(value, "group_by"));
    } else if (key == "split_by" || key == "column_pivots") {
      PX_ASSIGN_OR_RETURN(config.split_by, strings_of(value, "split_by"));
    } else if (key == "sort") {
      array keys;
      if (value.get(keys) != simdjson::SUCCESS) return Status::invalid("sort must be a list");
      for (element item : keys) {
        PX_ASSIGN_OR_RETURN(std::vector<std::string> pair, strings_of(item, "a sort key"));
        if (pair.size() != 2) return Status::invalid("a sort key is [column, direction]");
        auto direction = sort_direction_from_name(pair[1]);
        if (!direction) return Status::invalid("unknown sort direction '{}'", pair[1]);
        config.sort.push_back({pair[0], *direction});
      }
    } else if (key == "filter") {
      array terms;
      if (value.get(terms) != simdjson::SUCCESS) return Status::invalid("filter must be a list");
      for (element item : terms) {
        PX_ASSIGN_OR_RETURN(FilterTerm term, filter_term_of(item));
        config.filter.push_back(std::move(term));
      }
    } else if (key == "filter_op") {
      PX_ASSIGN_OR_RETURN(std::string op, string_of(value, "filter_op"));
      if (op == "and") {
        config.filter_op = FilterCombinator::kAnd;
      } else if (op == "or") {
        config.filter_op = FilterCombinator::kOr;
      } else {
        return Status::invalid("filter_op must be 'and' or 'or', not '{}'", op);
      }
    } else if (key == "aggregates") {
      PX_ASSIGN_OR_RETURN(config.aggregates, aggregates_of(value));
    } else if (key == "expressions") {
      if (value.is_array()) {
        PX_ASSIGN_OR_RETURN(std::vector<std::string> texts, strings_of(value, "expressions"));
        for (auto& text : texts) config.expressions.emplace_back(text, text);
      } else {
        PX_ASSIGN_OR_RETURN(config.expressions, string_pairs_of(value, "expressions"));
      }
    } else if (key == "group_by_depth") {
      if (!value.is_null()) {
        uint64_t depth;
        if (value.get(depth) != simdjson::SUCCESS || depth > UINT32_MAX) {
          return Status::invalid("group_by_depth must be a whole number from 0");
        }
        config.group_by_depth = static_cast<uint32_t>(depth);
      }
    } else {
      return Status::invalid("unknown view config field '{}'", key);
    }
  }
  return config;
}

Result<ViewWindow> view_window_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  object fields;
  if (parser.parse(json.data(), json.size()).get(fields) != simdjson::SUCCESS) {
    return Status::invalid("a window must be a JSON object");
  }
  ViewWindow window;
  for (auto field : fields) {
    const std::string_view key = field.key;
    element value = field.value;
    auto bound = [&](std::optional<double>& out) -> Status {
      if (value.is_null()) return Status::ok();
      double number;
      if (value.get(number) != simdjson::SUCCESS) {
        return Status::invalid("window field '{}' must be a number", key);
      }
      out = number;
      return Status::ok();
    };
    if (key == "start_row") {
      PX_RETURN_IF_ERROR(bound(window.start_row));
    } else if (key == "end_row") {
      PX_RETURN_IF_ERROR(bound(window.end_row));
    } else if (key == "start_col") {
      PX_RETURN_IF_ERROR(bound(window.start_col));
    } else if (key == "end_col") {
      PX_RETURN_IF_ERROR(bound(window.end_col));
    } else if (key == "id") {
      window.id = value.is_bool() && bool(value);
    } else if (key == "index") {
      window.index = value.is_bool() && bool(value);
    } else if (key == "leaves_only") {
      window.leaves_only = value.is_bool() && bool(value);
    } else if (key == "formatted") {
      window.formatted = value.is_bool() && bool(value);
    } else if (key == "compression") {
      // Accepted here; to_arrow reads it (api/replay).
    } else {
      return Status::invalid("unknown window field '{}'", key);
    }
  }
  return window;
}

}  // namespace parallax
