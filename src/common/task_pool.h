// A small pool of worker threads that an Engine owns and lends to the work that splits well
// (CSV, JSON and Arrow loads, grouped views' first builds): made once, sized by
// Engine::set_num_cpus (--threads), never a thread per call. Work is handed out as numbered
// tasks; each task writes its own results, so what a caller gets never depends on how many
// threads ran it.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace parallax {

class TaskPool {
 public:
  // `threads` run tasks at once, the caller's included (0: every core this process may use).
  explicit TaskPool(size_t threads = 0);
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  size_t threads() const { return workers_.size() + 1; }
  // Runs `threads` at once from now on (0: every core), keeping the pool's address (views
  // hold it). Not while a run() is under way.
  void set_threads(size_t threads);
  // Calls task(i) for every i in [0, count) and returns when all have returned; the calling
  // thread takes tasks too. From inside a task, or while another thread's run() is under way,
  // the tasks run one after the other on the calling thread (never a deadlock).
  void run(size_t count, const std::function<void(size_t)>& task);
  // The cores this process may run on (its affinity mask), at least 1.
  static size_t available_cores();

  // As run() on `pool`, or one task after the other on the calling thread when there is none.
  static void run_on(TaskPool* pool, size_t count, const std::function<void(size_t)>& task);
  // How many pieces to cut `count` items into for `pool` (null: 1): a few per thread, so that
  // a thread slowed by other processes leaves its share to the others, each of at least
  // `min_size` items. Piece i of n is [count * i / n, count * (i + 1) / n).
  static size_t pieces(const TaskPool* pool, size_t count, size_t min_size);

 private:
  struct Job {
    const std::function<void(size_t)>* task;
    size_t count;
    size_t next = 0;  // the next task not taken (under mutex_)
  };
  void work();
  void start(size_t threads);
  void stop();
  // Takes and runs tasks of `job` until none is left.
  void drain(Job& job, std::unique_lock<std::mutex>& lock);

  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one run() at a time spreads its tasks
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  Job* job_ = nullptr;     // the job workers may join
  size_t generation_ = 0;  // counts jobs, so a worker joins each at most once
  size_t active_ = 0;      // workers inside the current job
  bool stop_ = false;
};

}  // namespace parallax
