#include "binding/queued_link.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdio>

namespace parallax::python {

namespace {

void wake(int fd) {
  const uint64_t one = 1;
  (void)!write(fd, &one, sizeof(one));  // a full counter still wakes the loop
}

}  // namespace

QueuedLink::QueuedLink(uint64_t client_id, size_t max_queued_bytes, server::QueueBudget& budget)
    : id_(client_id),
      max_queued_bytes_(max_queued_bytes),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      budget_(budget, [this](const std::string& reason) {
        // Under the budget's lock, which close() takes before closing wake_fd_.
        std::fprintf(stderr, "parallax: web client %llu dropped: %s\n",
                     static_cast<unsigned long long>(id_), reason.c_str());
        dropped_ = true;
        if (wake_fd_ >= 0) wake(wake_fd_);  // its loop drains, sees the drop and closes
      }) {}

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
  if (overflowed_ || dropped_ || wake_fd_ < 0) return;
  if (key) {
    // Conflated: a client that has not yet been sent the last notification hears once.
    if (!pending_notifications_.insert(*key).second) return;
  }
  queued_bytes_ += message.size();
  if (queued_bytes_ > max_queued_bytes_ || !budget_.charge(message.size())) {
    overflowed_ = true;
    budget_.close();
    queue_.clear();
  } else {
    queue_.push_back(std::move(message));
  }
  if (queue_.size() <= 1) wake(wake_fd_);
}

std::optional<std::vector<std::string>> QueuedLink::drain() {
  std::lock_guard lock(mutex_);
  if (wake_fd_ >= 0) {
    uint64_t count = 0;
    (void)!read(wake_fd_, &count, sizeof(count));  // EAGAIN when nothing was signalled
  }
  if (overflowed_ || dropped_ || wake_fd_ < 0) return std::nullopt;
  std::vector<std::string> out(std::make_move_iterator(queue_.begin()),
                               std::make_move_iterator(queue_.end()));
  queue_.clear();
  pending_notifications_.clear();
  budget_.release(queued_bytes_);  // handed to the loop, which writes them to the socket
  queued_bytes_ = 0;
  return out;
}

void QueuedLink::close() {
  std::lock_guard lock(mutex_);
  budget_.close();  // first: no drop callback writes to wake_fd_ after this
  if (wake_fd_ >= 0) ::close(wake_fd_);
  wake_fd_ = -1;
  queue_.clear();
  pending_notifications_.clear();
}

}  // namespace parallax::python
