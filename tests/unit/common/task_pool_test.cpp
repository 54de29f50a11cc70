#include "common/task_pool.h"

#include <atomic>
#include <filesystem>
#include <numeric>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace parallax {
namespace {

TEST(TaskPool, RunsEveryTaskOnceWhateverItsSize) {
  for (const size_t threads : {1, 2, 3, 8}) {
    TaskPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (const size_t count : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> runs(count);
      pool.run(count, [&](size_t i) { ++runs[i]; });
      for (size_t i = 0; i < count; ++i) EXPECT_EQ(runs[i], 1) << threads << " " << count;
    }
  }
}

TEST(TaskPool, SpreadsTasksOverItsThreads) {
  TaskPool pool(3);
  // Every task waits until three are under way at once: only three threads get there.
  std::atomic<int> started = 0;
  std::vector<std::thread::id> ran_on(3);
  pool.run(3, [&](size_t i) {
    ++started;
    while (started < 3) std::this_thread::yield();
    ran_on[i] = std::this_thread::get_id();
  });
  EXPECT_NE(ran_on[0], ran_on[1]);
  EXPECT_NE(ran_on[1], ran_on[2]);
  EXPECT_NE(ran_on[0], ran_on[2]);
}

TEST(TaskPool, ARunInsideATaskRunsOnItsThread) {
  TaskPool pool(2);
  std::vector<std::atomic<int>> runs(16);
  pool.run(4, [&](size_t outer) { pool.run(4, [&](size_t inner) { ++runs[outer * 4 + inner]; }); });
  for (auto& count : runs) EXPECT_EQ(count, 1);
}

TEST(TaskPool, RunsFromSeveralThreadsAtOnce) {
  TaskPool pool(2);
  std::vector<std::thread> callers;
  std::vector<long> sums(4, 0);
  for (size_t c = 0; c < sums.size(); ++c) {
    callers.emplace_back([&, c] {
      for (int round = 0; round < 200; ++round) {
        std::vector<long> parts(10);
        pool.run(parts.size(), [&](size_t i) { parts[i] = static_cast<long>(i); });
        sums[c] += std::accumulate(parts.begin(), parts.end(), 0L);
      }
    });
  }
  for (auto& caller : callers) caller.join();
  for (const long sum : sums) EXPECT_EQ(sum, 200 * 45);
}

// Threads of this process, from /proc/self/task.
size_t process_threads() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return static_cast<size_t>(std::distance(begin(tasks), end(tasks)));
}

TEST(TaskPool, StartsItsThreadsOnceAndJoinsThemWhenDestroyed) {
  const size_t before = process_threads();
  {
    TaskPool pool(3);
    EXPECT_EQ(process_threads(), before + 2);  // the caller is the third
    for (int round = 0; round < 100; ++round) {
      std::vector<int> out(8);
      pool.run(out.size(), [&](size_t i) { out[i] = static_cast<int>(i); });
      EXPECT_EQ(process_threads(), before + 2) << "a thread per call";
    }
  }
  EXPECT_EQ(process_threads(), before);
  // Destroyed at once after being made, or right after a run: the workers still end.
  for (int round = 0; round < 50; ++round) {
    TaskPool idle(2);
    TaskPool used(2);
    used.run(4, [](size_t) {});
  }
  EXPECT_EQ(process_threads(), before);
}

TEST(TaskPool, DefaultsToTheAvailableCores) {
  EXPECT_GE(TaskPool::available_cores(), 1u);
  EXPECT_EQ(TaskPool().threads(), TaskPool::available_cores());
}

}  // namespace
}  // namespace parallax
