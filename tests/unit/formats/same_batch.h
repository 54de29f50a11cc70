// Comparing batches read with and without a task pool: the same cells are not enough, the
// batches must be the same bytes (values under nulls, validity and presence words, string
// dictionaries in the same order), and errors the same message.
#pragma once

#include <gtest/gtest.h>

#include <type_traits>

#include "common/task_pool.h"
#include "core/row_batch.h"

namespace parallax {

inline void expect_identical(const RowBatch& a, const RowBatch& b) {
  ASSERT_EQ(a.num_rows, b.num_rows);
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    const Column& x = a.columns[c].values;
    const Column& y = b.columns[c].values;
    ASSERT_EQ(a.columns[c].name, b.columns[c].name);
    ASSERT_EQ(x.type(), y.type()) << a.columns[c].name;
    ASSERT_EQ(x.validity().size(), y.validity().size());
    ASSERT_EQ(x.validity().words(), y.validity().words()) << a.columns[c].name;
    ASSERT_EQ(a.columns[c].present.has_value(), b.columns[c].present.has_value());
    if (a.columns[c].present) {
      ASSERT_EQ(a.columns[c].present->size(), b.columns[c].present->size());
      ASSERT_EQ(a.columns[c].present->words(), b.columns[c].present->words());
    }
    visit_type(x.type(), [&](auto tag) {
      using Storage = typename decltype(tag)::Storage;
      ASSERT_EQ(x.values<Storage>(), y.values<Storage>()) << a.columns[c].name;
    });
    ASSERT_EQ(x.dictionary().size(), y.dictionary().size()) << a.columns[c].name;
    for (uint32_t code = 0; code < x.dictionary().size(); ++code) {
      ASSERT_EQ(x.dictionary().at(code), y.dictionary().at(code)) << a.columns[c].name;
    }
  }
}

// The batch (or error) of one thread, and the same from pools of several sizes.
template <typename Read>
void expect_same_with_any_threads(const Read& read) {
  Result<RowBatch> one = read(nullptr);
  for (const size_t threads : {1, 2, 3, 8}) {
    TaskPool pool(threads);
    Result<RowBatch> many = read(&pool);
    ASSERT_EQ(one.is_ok(), many.is_ok()) << threads;
    if (one.is_ok()) {
      expect_identical(*one, *many);
    } else {
      EXPECT_EQ(one.status().message(), many.status().message()) << threads;
    }
  }
}

}  // namespace parallax
