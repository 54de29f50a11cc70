// Functions of strings: concat, case, length, substring, order, and the regular expressions
// (match, search, replace, with RE2).
#include "query/expressions/functions/kit.h"

#include <memory>

#include <re2/re2.h>

namespace parallax::expressions::functions {

namespace {

bool check_regex(Node& call, std::string& error, DataType result, bool one_group) {
  call.type = result;
  if (argument_type(call, 0) != DataType::kString) {
    error = call.text + "() takes a string";
    return false;
  }
  std::string pattern;
  if (!literal_argument(call, 1, error, pattern)) return false;
  auto regex = std::make_shared<re2::RE2>(pattern, re2::RE2::Quiet);
  if (!regex->ok()) {
    error = "invalid regular expression '" + pattern + "': " + regex->error();
    return false;
  }
  if (one_group && regex->NumberOfCapturingGroups() != 1) {
    error = call.text + "() needs a regular expression with exactly one capturing group";
    return false;
  }
  call.regex = std::move(regex);
  for (size_t i = 2; i < call.children.size(); ++i) {
    if (argument_type(call, i) != DataType::kString) {
      error = call.text + "() takes a string replacement";
      return false;
    }
  }
  return true;
}

// --- strings -----------------------------------------------------------------------------

Vector concat(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    std::string text;
    for (const Vector& argument : arguments) text += argument.string(row);
    out.set(out.at(row), context.arena.keep(std::move(text)));
  });
}

template <bool Upper>
Vector change_case(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    std::string text(arguments[0].string(row));
    for (char& c : text) {
      if (Upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (!Upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    out.set(out.at(row), context.arena.keep(std::move(text)));
  });
}

Vector length(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kFloat, arguments, context, [&](size_t row, Vector& out) {
    out.set(out.at(row), static_cast<double>(arguments[0].string(row).size()));
  });
}

// substring(text, start[, length]): null when the start is not in the text or the range ends
// past it, as the reference.
Vector substring(const Node&, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    const std::string_view text = arguments[0].string(row);
    const double start = std::trunc(arguments[1].number(row));
    if (start < 0 || start >= static_cast<double>(text.size())) return;
    double count = static_cast<double>(text.size()) - start;
    if (arguments.size() > 2) {
      count = std::trunc(arguments[2].number(row));
      if (count < 0 || start + count > static_cast<double>(text.size())) return;
    }
    out.set(out.at(row), text.substr(static_cast<size_t>(start), static_cast<size_t>(count)));
  });
}

// order(value, 'a', 'b', ...): the value's place in the list, or the list's length.
bool check_order(Node& call, std::string& error) {
  call.type = DataType::kFloat;
  if (argument_type(call, 0) != DataType::kString) {
    error = "order() takes a string";
    return false;
  }
  call.literals.clear();
  for (size_t i = 1; i < call.children.size(); ++i) {
    std::string text;
    if (!literal_argument(call, i, error, text)) return false;
    call.literals.push_back(std::move(text));
  }
  return true;
}

Vector order(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kFloat, arguments, context, [&](size_t row, Vector& out) {
    const std::string_view text = arguments[0].string(row);
    // A value listed twice takes its last place, as in the reference.
    const auto found = std::find(call.literals.rbegin(), call.literals.rend(), text);
    const size_t place = found == call.literals.rend()
                             ? call.literals.size()
                             : static_cast<size_t>(call.literals.rend() - found) - 1;
    out.set(out.at(row), static_cast<double>(place));
  });
}

bool check_match(Node& call, std::string& error) {
  return check_regex(call, error, DataType::kBoolean, false);
}
bool check_search(Node& call, std::string& error) {
  return check_regex(call, error, DataType::kString, true);
}
bool check_replace(Node& call, std::string& error) {
  return check_regex(call, error, DataType::kString, false);
}

template <bool Full>
Vector match(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kBoolean, arguments, context, [&](size_t row, Vector& out) {
    const std::string_view value = arguments[0].string(row);
    out.set(out.at(row), Full ? re2::RE2::FullMatch(value, *call.regex)
                              : re2::RE2::PartialMatch(value, *call.regex));
  });
}

Vector search(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    re2::StringPiece group;
    if (re2::RE2::PartialMatch(arguments[0].string(row), *call.regex, &group)) {
      out.set(out.at(row), std::string_view(group.data(), group.size()));
    }
  });
}

// The replacement is literal text (the reference does not expand $0 or \1).
template <bool All>
Vector replace(const Node& call, Arguments& arguments, EvaluationContext& context) {
  return for_each_row(DataType::kString, arguments, context, [&](size_t row, Vector& out) {
    const std::string_view text = arguments[0].string(row);
    const std::string_view replacement = arguments[2].string(row);
    std::string result;
    size_t from = 0;
    re2::StringPiece found;
    while (from <= text.size() &&
           call.regex->Match(text, from, text.size(), re2::RE2::UNANCHORED, &found, 1)) {
      const size_t start = static_cast<size_t>(found.data() - text.data());
      result.append(text.substr(from, start - from));
      result.append(replacement);
      from = start + found.size();
      if (found.empty()) {
        if (from < text.size()) result += text[from];
        ++from;
      }
      if (!All) break;
    }
    if (from < text.size()) result.append(text.substr(from));
    out.set(out.at(row), context.arena.keep(std::move(result)));
  });
}

bool check_length(Node& call, std::string& error) {
  return check_strings<DataType::kFloat>(call, error);
}

bool check_substring(Node& call, std::string& error) {
  call.type = DataType::kString;
  if (argument_type(call, 0) != DataType::kString) {
    error = "substring() takes a string";
    return false;
  }
  for (size_t i = 1; i < call.children.size(); ++i) {
    if (!is_numeric(argument_type(call, i))) {
      error = "substring() takes numbers as start and length";
      return false;
    }
  }
  return true;
}

const Function kText[] = {
    {.name = "concat",
     .max_arguments = kAnyCount,
     .check = check_strings<DataType::kString>,
     .kernel = concat},
    {.name = "upper", .check = check_strings<DataType::kString>, .kernel = change_case<true>},
    {.name = "lower", .check = check_strings<DataType::kString>, .kernel = change_case<false>},
    {.name = "substring",
     .min_arguments = 2,
     .max_arguments = 3,
     .check = check_substring,
     .kernel = substring},
    {.name = "replace",
     .min_arguments = 3,
     .max_arguments = 3,
     .check = check_replace,
     .kernel = replace<false>},
    {.name = "replace_all",
     .min_arguments = 3,
     .max_arguments = 3,
     .check = check_replace,
     .kernel = replace<true>},
    {.name = "search",
     .min_arguments = 2,
     .max_arguments = 2,
     .check = check_search,
     .kernel = search},
    {.name = "length", .check = check_length, .kernel = length},
    {.name = "order", .max_arguments = kAnyCount, .check = check_order, .kernel = order},
    {.name = "match",
     .min_arguments = 2,
     .max_arguments = 2,
     .check = check_match,
     .kernel = match<false>},
    {.name = "match_all",
     .min_arguments = 2,
     .max_arguments = 2,
     .check = check_match,
     .kernel = match<true>},
};

}  // namespace

std::span<const Function> text() {
  return kText;
}

}  // namespace parallax::expressions::functions
