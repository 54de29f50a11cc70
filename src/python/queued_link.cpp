#include "python/queued_link.h"

#include <sys/eventfd.h>
#include <unistd.h>

namespace parallax::python {

QueuedLink::QueuedLink(uint64_t client_id, size_t max_queued_bytes)
    : id_(client_id),
      max_queued_bytes_(max_queued_bytes),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}

QueuedLink::~QueuedLink() {
  close();
}

void QueuedLink::send(std::string message) {
  push(std::move(message), std::nullopt);
}

void QueuedLink::send_notification(uint64_t key, std::string message) {
  push(std::move(message), key);
}

void QueuedLink::push(std::string message, std::optional<uint64_t> key) {
  std::lock_guard lock(mutex_);
  if (overflowed_ || wake_fd_ < 0) return;
  if (key) {
    // Conflated: a client that has not yet been sent the last notification hears once.
    if (!pending_notifications_.insert(*key).second) return;
  }
  queued_bytes_ += message.size();
  if (queued_bytes_ > max_queued_bytes_) {
    overflowed_ = true;
    queue_.clear();
  } else {
    queue_.push_back(std::move(message));
  }
  if (queue_.size() <= 1) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));  // a full counter still wakes the loop
  }
}

std::optional<std::vector<std::string>> QueuedLink::drain() {
  std::lock_guard lock(mutex_);
  if (wake_fd_ >= 0) {
    uint64_t count = 0;
    (void)!read(wake_fd_, &count, sizeof(count));  // EAGAIN when nothing was signalled
  }
  if (overflowed_ || wake_fd_ < 0) return std::nullopt;
  std::vector<std::string> out(std::make_move_iterator(queue_.begin()),
                               std::make_move_iterator(queue_.end()));
  queue_.clear();
  pending_notifications_.clear();
  queued_bytes_ = 0;
  return out;
}

void QueuedLink::close() {
  std::lock_guard lock(mutex_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
  queue_.clear();
  pending_notifications_.clear();
}

}  // namespace parallax::python
