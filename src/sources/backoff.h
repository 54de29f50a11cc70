// Reconnect delays: doubling from `first` to `most`, reset by a success; waits that a stop
// request ends at once.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace parallax {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds most)
      : first_(first), most_(most), next_(first) {}
  std::chrono::milliseconds next();  // the delay to wait now; doubles the one after
  void reset() { next_ = first_; }

 private:
  std::chrono::milliseconds first_, most_, next_;
};

// A stop flag that wakes sleepers.
class StopSignal {
 public:
  void request();
  bool requested() const { return stop_.load(); }
  void clear() { stop_ = false; }
  // Sleeps up to `delay`; answers false when stopped.
  bool sleep_for(std::chrono::milliseconds delay);

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace parallax
