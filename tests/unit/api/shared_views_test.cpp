// Views made kShared with equal configs share one underlying view (api::Engine::ViewSharing)
// until a client expands, collapses or sets the depth of its own. Whatever the clients do,
// each name must read, and send ROW-mode deltas, exactly as a private view of its own that
// was given the same requests: random configs, table changes and tree operations.
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/engine.h"
#include "api/view_config_json.h"
#include "engine_fixture.h"

namespace parallax {
namespace {

using test::json;

std::string random_rows(std::mt19937& random, int count) {
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  const char* groups[] = {"\"a\"", "\"b\"", "\"c\"", "null"};
  std::string rows = "[";
  for (int i = 0; i < count; ++i) {
    rows += std::string(i ? "," : "") + "{\"id\":" + std::to_string(pick(40)) +
            ",\"g\":" + groups[pick(4)] + ",\"h\":" + std::to_string(pick(3)) +
            ",\"x\":" + std::to_string(pick(21) - 10) + ".5}";
  }
  return rows + "]";
}

TEST(SharedViews, EqualConfigsShareOneViewAndOthersDoNot) {
  Engine engine;
  ASSERT_TRUE(
      engine.create_table("t", json(R"([{"id":1,"g":"a","x":1}])"), {.index = "id"}).is_ok());
  const auto config = [](const char* text) { return view_config_from_json(text).value(); };
  using enum Engine::ViewSharing;
  ASSERT_TRUE(engine.create_view("t", "a", config(R"({"group_by":["g"]})"), kShared).is_ok());
  ASSERT_TRUE(engine.create_view("t", "b", config(R"({"group_by":["g"]})"), kShared).is_ok());
  EXPECT_EQ(engine.num_underlying_views(), 1u);
  EXPECT_EQ(engine.view("a").value(), engine.view("b").value());
  // Another config, a private view, a view made with a depth: views of their own.
  ASSERT_TRUE(engine.create_view("t", "c", config(R"({"group_by":["x"]})"), kShared).is_ok());
  ASSERT_TRUE(engine.create_view("t", "d", config(R"({"group_by":["g"]})"), kPrivate).is_ok());
  ASSERT_TRUE(
      engine.create_view("t", "e", config(R"({"group_by":["g"],"group_by_depth":1})"), kShared)
          .is_ok());
  ASSERT_TRUE(
      engine.create_view("t", "f", config(R"({"group_by":["g"],"group_by_depth":1})"), kShared)
          .is_ok());
  EXPECT_EQ(engine.num_underlying_views(), 5u);
  // A client's collapse forks its view; the other keeps the shared one as it was.
  ASSERT_TRUE(engine.collapse("b", 0).is_ok());
  EXPECT_EQ(engine.num_underlying_views(), 6u);
  EXPECT_EQ(engine.view("a").value()->num_rows(), 2u);
  EXPECT_EQ(engine.view("b").value()->num_rows(), 1u);
  // Deleting the last name of a view drops it; the forked one stays.
  ASSERT_TRUE(engine.delete_view("a").is_ok());
  EXPECT_EQ(engine.num_underlying_views(), 5u);
  EXPECT_EQ(engine.view("b").value()->num_rows(), 1u);
}

TEST(SharedViews, EachNameReadsAsAPrivateViewGivenTheSameRequests) {
  const char* configs[] = {
      R"({"group_by":["g"],"columns":["x"],"aggregates":{"x":"sum"}})",
      R"({"group_by":["g","h"],"columns":["x"],"aggregates":{"x":"max"}})",
      R"({"group_by":["h"],"columns":["x","g"],"aggregates":{"x":"avg","g":"count"},"sort":[["x","desc"]]})",
      R"({"group_by":["g"],"split_by":["h"],"columns":["x"]})",
      R"({"columns":["x","g"],"sort":[["x","asc"]]})",
  };
  for (int scenario = 0; scenario < 40; ++scenario) {
    SCOPED_TRACE("scenario " + std::to_string(scenario));
    std::mt19937 random(scenario);
    Engine engine;
    ASSERT_TRUE(engine.create_table("t", json(random_rows(random, 30)), {.index = "id"}).is_ok());
    const std::string config = configs[scenario % std::size(configs)];
    SCOPED_TRACE(config);
    // Four clients on the same config, each with a private twin that gets its requests.
    std::vector<std::string> names, twins;
    for (int c = 0; c < 4; ++c) {
      names.push_back("c" + std::to_string(c));
      twins.push_back("twin" + std::to_string(c));
      ASSERT_TRUE(engine
                      .create_view("t", names.back(), view_config_from_json(config).value(),
                                   Engine::ViewSharing::kShared)
                      .is_ok());
      ASSERT_TRUE(
          engine.create_view("t", twins.back(), view_config_from_json(config).value()).is_ok());
    }
    ASSERT_EQ(engine.num_underlying_views(), 5u);
    std::map<std::string, std::string> deltas;
    // Half the clients (and their twins) take ROW-mode deltas.
    test::record_deltas(engine, {names[0], twins[0], names[2], twins[2]}, deltas);
    for (int step = 0; step < 12; ++step) {
      deltas.clear();
      const int kind = static_cast<int>(random() % 6);
      if (kind < 3) {
        ASSERT_TRUE(engine.update("t", json(random_rows(random, 1 + random() % 5))).is_ok());
      } else if (kind == 3) {
        ASSERT_TRUE(engine.remove("t", "[" + std::to_string(random() % 40) + "]").is_ok());
      } else {
        // A client changes its own view's tree, and so does its twin.
        const size_t c = random() % names.size();
        const size_t row = random() % (engine.view(names[c]).value()->num_rows() + 1);
        const int op = static_cast<int>(random() % 3);
        const size_t depth = random() % 3;
        for (const std::string& name : {names[c], twins[c]}) {
          ASSERT_TRUE((op == 0   ? engine.expand(name, row).status()
                       : op == 1 ? engine.collapse(name, row).status()
                                 : engine.set_depth(name, depth))
                          .is_ok());
        }
      }
      for (size_t c = 0; c < names.size(); ++c) {
        ASSERT_EQ(test::read_json(engine, names[c]), test::read_json(engine, twins[c]))
            << names[c] << " after step " << step;
        if (kind < 4 && (c == 0 || c == 2)) {
          ASSERT_EQ(deltas[names[c]], deltas[twins[c]]) << names[c] << " delta, step " << step;
        }
      }
    }
  }
}

}  // namespace
}  // namespace parallax
