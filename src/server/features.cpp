#include "server/features.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/engine.h"
#include "query/aggregate.h"
#include "server/protocol_convert.h"

namespace parallax::server {

namespace {

// The reference's lists, as its server answers get_features (recorded in
// tests/server/features.reference.json, which server_features compares with).
const std::vector<std::string> kStringFilterOps = {
    "==",       "!=",        ">",  ">=",     "<",           "<=",     "begins with",
    "contains", "ends with", "in", "not in", "is not null", "is null"};
const std::vector<std::string> kOtherFilterOps = {
    "==", "!=", ">", ">=", "<", "<=", "is not null", "is null"};
// The order the reference's menus list aggregates in, per kind of column (its get_features
// answer). Only an order: what is offered is every name in the registry (query/aggregate.h)
// that takes the column's type; a name missing here comes after these, in registry order.
using Menu = std::vector<std::string_view>;
const Menu kTextMenu = {"count", "any",    "distinct count", "dominant", "first",
                        "join",  "last",   "last by index",  "median",   "q1",
                        "q3",    "unique", "min by",         "max by"};
const Menu kTemporalMenu = {"count", "any",   "avg", "distinct count", "dominant", "first",  "high",
                            "low",   "min",   "max", "last by index",  "last",     "median", "q1",
                            "q3",    "unique"};
const Menu kNumberMenu = {"sum",
                          "abs sum",
                          "any",
                          "avg",
                          "count",
                          "distinct count",
                          "dominant",
                          "first",
                          "high",
                          "low",
                          "max",
                          "min",
                          "high minus low",
                          "last by index",
                          "last minus first",
                          "last",
                          "mean",
                          "median",
                          "q1",
                          "q3",
                          "pct sum parent",
                          "pct sum total",
                          "stddev",
                          "sum abs",
                          "sum not null",
                          "unique",
                          "var",
                          "weighted mean"};

const Menu& menu_of(DataType type) {
  switch (type) {
    case DataType::kString:
    case DataType::kBoolean:
      return kTextMenu;
    case DataType::kDate:
    case DataType::kDatetime:
      return kTemporalMenu;
    case DataType::kInteger:
    case DataType::kFloat:
      return kNumberMenu;
  }
  return kNumberMenu;
}

struct Offer {
  std::string_view name;
  const AggregateDescriptor* aggregate;
};

// The names (aliases too) of the aggregates that take `type`, in its menu's order: the listed
// ones, or the unlisted ones.
std::vector<Offer> offers_for(DataType type, bool unlisted) {
  std::vector<Offer> offers;
  for (const AggregateDescriptor& aggregate : all_aggregates()) {
    if (aggregate.listed == unlisted || (aggregate.accepts & type_bit(type)) == 0) continue;
    offers.push_back({aggregate.name, &aggregate});
    if (!aggregate.alias.empty()) offers.push_back({aggregate.alias, &aggregate});
  }
  const Menu& menu = menu_of(type);
  auto place = [&](const Offer& offer) {
    return std::find(menu.begin(), menu.end(), offer.name) - menu.begin();
  };
  std::stable_sort(offers.begin(), offers.end(),
                   [&](const Offer& a, const Offer& b) { return place(a) < place(b); });
  return offers;
}

constexpr DataType kTypes[] = {DataType::kString,  DataType::kDate,  DataType::kDatetime,
                               DataType::kInteger, DataType::kFloat, DataType::kBoolean};

std::string column_of(DataType type) {
  return std::string(type_name(type));
}

FilterValue operand_for(DataType type) {
  switch (type) {
    case DataType::kString:
      return {FilterValue::Kind::kString, false, 0, "x"};
    case DataType::kDate:
      return {FilterValue::Kind::kString, false, 0, "2024-01-01"};
    case DataType::kDatetime:
      return {FilterValue::Kind::kString, false, 0, "2024-01-01 00:00:00"};
    case DataType::kBoolean:
      return {FilterValue::Kind::kBoolean, true, 0, {}};
    default:
      return {FilterValue::Kind::kNumber, false, 1, {}};
  }
}

class Prober {
 public:
  Prober() {
    Schema schema;
    for (DataType type : kTypes) schema.add({column_of(type), type});
    ready_ = engine_.create_table("probe", std::move(schema), {}).is_ok();
  }

  bool accepts(ViewConfig config) {
    if (!ready_) return false;
    const std::string name = "probe" + std::to_string(next_++);
    if (!engine_.create_view("probe", name, std::move(config)).is_ok()) return false;
    (void)engine_.delete_view(name);
    return true;
  }

 private:
  Engine engine_;
  bool ready_ = false;
  int next_ = 0;
};

}  // namespace

proto::GetFeaturesResp probe_engine_features(bool unlisted) {
  Prober prober;
  proto::GetFeaturesResp features;
  const std::string text = column_of(DataType::kString);
  const std::string number = column_of(DataType::kFloat);
  {
    ViewConfig config;
    config.group_by = {text};
    features.set_group_by(prober.accepts(config));
  }
  {
    ViewConfig config;
    config.split_by = {text};
    features.set_split_by(prober.accepts(config));
  }
  {
    ViewConfig config;
    config.expressions = {{"doubled", "\"" + number + "\" * 2"}};
    features.set_expressions(prober.accepts(config));
  }
  {
    ViewConfig config;
    config.sort = {{number, SortDirection::kDescending}};
    features.set_sort(prober.accepts(config));
  }
  features.set_on_update(true);

  for (DataType type : kTypes) {
    const std::string column = column_of(type);
    proto::GetFeaturesResp::ColumnTypeOptions ops;
    for (const auto& name : type == DataType::kString ? kStringFilterOps : kOtherFilterOps) {
      auto op = filter_op_from_name(name);
      if (!op) continue;
      FilterTerm term{column, *op, {}};
      if (*op != FilterOp::kIsNull && *op != FilterOp::kIsNotNull)
        term.values = {operand_for(type)};
      ViewConfig config;
      config.filter = {std::move(term)};
      if (prober.accepts(std::move(config))) ops.add_options(name);
    }
    (*features.mutable_filter_ops())[column_type_of(type)] = std::move(ops);

    proto::GetFeaturesResp::AggregateOptions aggregates;
    if (!features.group_by()) {
      // Nothing is aggregated without group_by, but the viewer needs one aggregate per
      // column type to fill in its default config (it fails on an empty list): offer its
      // own defaults, which flat views accept and ignore.
      const bool numeric = type == DataType::kInteger || type == DataType::kFloat;
      aggregates.add_aggregates()->set_name(numeric ? "sum" : "count");
      (*features.mutable_aggregates())[column_type_of(type)] = std::move(aggregates);
      continue;
    }
    for (const Offer& offer : offers_for(type, unlisted)) {
      // An aggregate's argument (weighted mean's weight, min by's "by") is a float column,
      // as the reference offers them: "weighted mean(FLOAT)", "min by(FLOAT)".
      const bool argument = offer.aggregate->takes_argument;
      ViewConfig config;
      config.group_by = {text};
      config.columns = std::vector<std::string>{column};
      config.aggregates = {{column, std::string(offer.name),
                            argument ? std::optional<std::string>(number) : std::nullopt}};
      if (!prober.accepts(std::move(config))) continue;
      auto* aggregate = aggregates.add_aggregates();
      aggregate->set_name(std::string(offer.name));
      if (argument) aggregate->add_args(proto::FLOAT);
    }
    (*features.mutable_aggregates())[column_type_of(type)] = std::move(aggregates);
  }
  return features;
}

proto::GetFeaturesResp hosted_features(proto::GetFeaturesResp features, const Engine& engine,
                                       const std::string& table) {
  std::vector<const VirtualTable*> tables;
  for (const auto& name : engine.table_names()) {
    if (!table.empty() && name != table) continue;
    if (const VirtualTable* hosted = engine.virtual_table(name)) tables.push_back(hosted);
  }
  if (tables.empty()) return features;
  for (const VirtualTable* hosted : tables) {
    if (!hosted->accepts_expressions()) features.set_expressions(false);
  }
  for (DataType type : kTypes) {
    auto found = features.mutable_aggregates()->find(column_type_of(type));
    if (found == features.mutable_aggregates()->end()) continue;
    auto* offered = found->second.mutable_aggregates();
    proto::GetFeaturesResp::AggregateOptions kept;
    for (const auto& aggregate : *offered) {
      auto kind = aggregate_for(aggregate.name(), type);
      const bool everywhere =
          kind.is_ok() && std::all_of(tables.begin(), tables.end(), [&](const VirtualTable* t) {
            return t->accepts_aggregate(*kind, type);
          });
      if (everywhere) *kept.add_aggregates() = aggregate;
    }
    found->second = std::move(kept);
  }
  return features;
}

}  // namespace parallax::server
