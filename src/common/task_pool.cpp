#include "common/task_pool.h"

#include <sched.h>

#include <algorithm>

namespace parallax {

size_t TaskPool::available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<size_t>(count);
  }
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? hardware : 1;
}

void TaskPool::run_on(TaskPool* pool, size_t count, const std::function<void(size_t)>& task) {
  if (pool != nullptr) return pool->run(count, task);
  for (size_t i = 0; i < count; ++i) task(i);
}

size_t TaskPool::pieces(const TaskPool* pool, size_t count, size_t min_size) {
  if (pool == nullptr || pool->threads() == 1) return 1;
  const size_t most = count / std::max<size_t>(min_size, 1);
  return std::max<size_t>(1, std::min(most, pool->threads() * 4));
}

TaskPool::TaskPool(size_t threads) {
  start(threads);
}

TaskPool::~TaskPool() {
  stop();
}

void TaskPool::start(size_t threads) {
  if (threads == 0) threads = available_cores();
  for (size_t i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

void TaskPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  std::lock_guard lock(mutex_);
  stop_ = false;
}

void TaskPool::set_threads(size_t threads) {
  std::lock_guard run_lock(run_mutex_);
  stop();
  start(threads);
}

void TaskPool::drain(Job& job, std::unique_lock<std::mutex>& lock) {
  // Tasks are taken one at a time under the lock: they are coarse (a column, a chunk of
  // rows), so the lock is cheap next to them.
  while (job.next < job.count) {
    const size_t index = job.next++;
    lock.unlock();
    (*job.task)(index);
    lock.lock();
  }
}

void TaskPool::work() {
  size_t seen = 0;
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || (job_ != nullptr && generation_ != seen); });
    if (stop_) return;
    seen = generation_;
    Job& job = *job_;
    ++active_;
    drain(job, lock);
    if (--active_ == 0) done_.notify_all();
  }
}

void TaskPool::run(size_t count, const std::function<void(size_t)>& task) {
  std::unique_lock run_lock(run_mutex_, std::try_to_lock);
  if (!run_lock.owns_lock() || workers_.empty() || count <= 1) {
    for (size_t i = 0; i < count; ++i) task(i);
    return;
  }
  Job job{&task, count};
  std::unique_lock lock(mutex_);
  job_ = &job;
  ++generation_;
  wake_.notify_all();
  drain(job, lock);
  // Workers that have not joined yet must not: the job ends with this call.
  job_ = nullptr;
  done_.wait(lock, [&] { return active_ == 0; });
}

}  // namespace parallax
