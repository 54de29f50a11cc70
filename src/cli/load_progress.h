// A progress line for loads that take more than a few seconds: on a terminal only (stderr),
// nothing when the output goes to a file or a pipe, so scripts and logs stay clean.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace parallax {

class LoadProgress {
 public:
  // Shows "loading LABEL: ..." once the load has taken PARALLAX_PROGRESS_AFTER_MS (default
  // 2000 ms), refreshed a few times a second, if stderr is a terminal.
  LoadProgress(std::string label, uint64_t total_bytes);
  ~LoadProgress();
  LoadProgress(const LoadProgress&) = delete;
  LoadProgress& operator=(const LoadProgress&) = delete;

  // Bytes read so far (updated by the reader as it goes).
  std::atomic<uint64_t>& bytes_read() { return bytes_read_; }
  void parsing() { parsing_ = true; }
  // The closing line ("loaded LABEL: N rows, M MB in S s (R MB/s)"), if a line was shown.
  void done(size_t rows);

 private:
  void run();
  double seconds() const;

  std::string label_;
  uint64_t total_bytes_;
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<bool> parsing_{false};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::chrono::milliseconds delay_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool shown_ = false;
  std::thread ticker_;
};

}  // namespace parallax
