// The aggregate registry: one descriptor per kind, no name given twice, and every name parsed
// back to its aggregate for the types it takes and refused for the others.
#include "query/aggregate.h"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace parallax {
namespace {

constexpr DataType kTypes[] = {DataType::kBoolean, DataType::kInteger, DataType::kFloat,
                               DataType::kString,  DataType::kDate,    DataType::kDatetime};

std::vector<AggregateDescriptor> registry_copy() {
  const auto all = all_aggregates();
  return {all.begin(), all.end()};
}

TEST(AggregateRegistry, HasOneDescriptorPerKindInItsPlace) {
  const auto all = all_aggregates();
  ASSERT_EQ(all.size(), kAggregateKinds);
  EXPECT_EQ(registry_problem(all), "");
  for (size_t i = 0; i < kAggregateKinds; ++i) {
    const auto kind = static_cast<AggregateKind>(i);
    EXPECT_EQ(descriptor(kind).kind, kind);
    EXPECT_NE(descriptor(kind).kernel, nullptr);
  }
}

TEST(AggregateRegistry, RefusesANameGivenTwice) {
  std::vector<AggregateDescriptor> registry = registry_copy();
  registry[static_cast<size_t>(AggregateKind::kQ3)].name = "median";
  EXPECT_EQ(registry_problem(registry), "a name given twice");
  registry = registry_copy();
  registry[static_cast<size_t>(AggregateKind::kVar)].alias = "mean";  // avg's alias
  EXPECT_EQ(registry_problem(registry), "a name given twice");
  registry = registry_copy();
  registry[static_cast<size_t>(AggregateKind::kSum)].alias = "sum";  // its own name
  EXPECT_EQ(registry_problem(registry), "a name given twice");
}

TEST(AggregateRegistry, RefusesMissingMisplacedOrContradictingDescriptors) {
  std::vector<AggregateDescriptor> registry = registry_copy();
  registry.pop_back();
  EXPECT_EQ(registry_problem(registry), "not one descriptor per kind");
  registry = registry_copy();
  std::swap(registry[0], registry[1]);
  EXPECT_EQ(registry_problem(registry), "a descriptor out of its kind's place");
  registry = registry_copy();
  registry[0].kernel = nullptr;
  EXPECT_EQ(registry_problem(registry), "an aggregate without a kernel");
  registry = registry_copy();
  registry[static_cast<size_t>(AggregateKind::kSum)].order_key = OrderKey::kValue;
  EXPECT_EQ(registry_problem(registry), "an aggregate both retracted and kept in order");
  registry = registry_copy();
  registry[static_cast<size_t>(AggregateKind::kMedian)].quantile = 0;
  EXPECT_EQ(registry_problem(registry),
            "a quantile without its fraction, or a fraction without a quantile");
}

TEST(AggregateRegistry, EveryNameParsesForTheTypesItTakesOnly) {
  for (const AggregateDescriptor& aggregate : all_aggregates()) {
    for (const std::string_view name :
         {aggregate.name, aggregate.alias, aggregate.unlisted_alias}) {
      if (name.empty()) continue;
      for (const DataType type : kTypes) {
        const auto parsed = aggregate_for(name, type);
        if ((aggregate.accepts | aggregate.unlisted_types) & type_bit(type)) {
          ASSERT_TRUE(parsed.is_ok()) << name << " on " << type_name(type);
          EXPECT_EQ(parsed.value(), aggregate.kind) << name;
        } else {
          ASSERT_FALSE(parsed.is_ok()) << name << " on " << type_name(type);
          EXPECT_NE(parsed.status().message().find("does not apply"), std::string::npos);
        }
      }
    }
  }
  EXPECT_FALSE(aggregate_for("", DataType::kFloat).is_ok());
  EXPECT_FALSE(aggregate_for("summ", DataType::kFloat).is_ok());
  // Accepted as by the reference, though its get_features does not list them.
  EXPECT_EQ(aggregate_for("pct sum grand total", DataType::kFloat).value(),
            AggregateKind::kPctSumTotal);
  EXPECT_EQ(aggregate_for("join", DataType::kDatetime).value(), AggregateKind::kJoin);
}

TEST(AggregateRegistry, ResultAndSchemaTypes) {
  EXPECT_EQ(aggregate_result_type(AggregateKind::kCount, DataType::kString), DataType::kInteger);
  EXPECT_EQ(aggregate_result_type(AggregateKind::kAvg, DataType::kInteger), DataType::kFloat);
  EXPECT_EQ(aggregate_result_type(AggregateKind::kMax, DataType::kDate), DataType::kDate);
  // join makes text, and the view's schema reports the input's type, as the reference.
  EXPECT_EQ(aggregate_result_type(AggregateKind::kJoin, DataType::kBoolean), DataType::kString);
  EXPECT_EQ(aggregate_schema_type(AggregateKind::kJoin, DataType::kBoolean), DataType::kBoolean);
}

}  // namespace
}  // namespace parallax
