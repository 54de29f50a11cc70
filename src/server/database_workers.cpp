#include "server/database_workers.h"

namespace parallax::server {

struct DatabaseWorkers::Lane {
  std::deque<std::function<void()>> jobs;
  // In ready_ or running: a lane is never in ready_ twice, so its jobs never run at once.
  bool scheduled = false;
};

DatabaseWorkers::DatabaseWorkers(std::string database, size_t threads, size_t max_waiting)
    : database_(std::move(database)), max_waiting_(max_waiting) {
  for (size_t i = 0; i < std::max<size_t>(threads, 1); ++i)
    threads_.emplace_back([this] { work(); });
}

DatabaseWorkers::~DatabaseWorkers() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
}

std::shared_ptr<DatabaseWorkers::Lane> DatabaseWorkers::make_lane() const {
  return std::make_shared<Lane>();
}

Status DatabaseWorkers::submit(const std::shared_ptr<Lane>& lane, std::function<void()> job,
                               bool bounded) {
  {
    std::lock_guard lock(mutex_);
    if (bounded && waiting_ >= max_waiting_) {
      return Status::invalid(
          "the database {} is busy: {} requests are already waiting for it (--virtual-queue); "
          "try again when its queries have answered",
          database_, waiting_);
    }
    lane->jobs.push_back(std::move(job));
    ++waiting_;
    if (lane->scheduled) return Status::ok();  // it runs after the lane's earlier jobs
    lane->scheduled = true;
    ready_.push_back(lane);
  }
  wake_.notify_one();
  return Status::ok();
}

size_t DatabaseWorkers::waiting() const {
  std::lock_guard lock(mutex_);
  return waiting_;
}

void DatabaseWorkers::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
    if (stopping_) return;
    std::shared_ptr<Lane> lane = std::move(ready_.front());
    ready_.pop_front();
    std::function<void()> job = std::move(lane->jobs.front());
    lane->jobs.pop_front();
    --waiting_;
    lock.unlock();
    job();
    job = nullptr;  // (what it held goes before the next job runs)
    lock.lock();
    if (lane->jobs.empty()) {
      lane->scheduled = false;
    } else {
      ready_.push_back(std::move(lane));  // behind the other lanes: no lane starves the rest
      wake_.notify_one();
    }
  }
}

}  // namespace parallax::server
