#include "sources/backoff.h"

#include <algorithm>

namespace parallax {

std::chrono::milliseconds Backoff::next() {
  const auto delay = next_;
  next_ = std::min(most_, next_ * 2);
  return delay;
}

void StopSignal::request() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
}

bool StopSignal::sleep_for(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !wake_.wait_for(lock, delay, [this] { return stop_.load(); });
}

}  // namespace parallax
