#include "cli/load_progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace parallax {

namespace {

double megabytes(uint64_t bytes) {
  return static_cast<double>(bytes) / (1 << 20);
}

}  // namespace

LoadProgress::LoadProgress(std::string label, uint64_t total_bytes)
    : label_(std::move(label)), total_bytes_(total_bytes), delay_(2000) {
  if (const char* after = std::getenv("PARALLAX_PROGRESS_AFTER_MS"); after && *after) {
    delay_ = std::chrono::milliseconds(std::atol(after));
  }
  if (::isatty(STDERR_FILENO)) ticker_ = std::thread([this] { run(); });
}

LoadProgress::~LoadProgress() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

double LoadProgress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void LoadProgress::run() {
  std::unique_lock lock(mutex_);
  if (wake_.wait_for(lock, delay_, [this] { return stopping_; })) return;
  do {
    const uint64_t read = bytes_read_.load();
    const double elapsed = seconds();
    if (parsing_) {
      std::fprintf(stderr, "\r\033[Kloading %s: parsing %.0f MB (%.1f s)", label_.c_str(),
                   megabytes(read), elapsed);
    } else {
      std::fprintf(stderr, "\r\033[Kloading %s: read %.0f of %.0f MB (%.0f MB/s)", label_.c_str(),
                   megabytes(read), megabytes(total_bytes_),
                   elapsed > 0 ? megabytes(read) / elapsed : 0.0);
    }
    std::fflush(stderr);
    shown_ = true;
  } while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stopping_; }));
}

void LoadProgress::done(size_t rows) {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (!shown_) return;
  const double elapsed = seconds();
  std::fprintf(stderr, "\r\033[Kloaded %s: %zu rows, %.0f MB in %.1f s (%.0f MB/s)\n",
               label_.c_str(), rows, megabytes(bytes_read_.load()), elapsed,
               elapsed > 0 ? megabytes(bytes_read_.load()) / elapsed : 0.0);
}

}  // namespace parallax
