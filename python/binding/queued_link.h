// One websocket client of a Python web handler, as the protocol handler sees it: answers and
// notifications wait in a queue until the handler's event loop drains it. The protocol
// handler calls send() from whichever thread holds the engine (the loop's own, or a Python
// thread updating a table), so queueing takes no GIL: it writes to an eventfd the loop
// watches (asyncio's add_reader), and the loop drains the queue when it wakes.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "server/client_link.h"
#include "server/queue_budget.h"

namespace parallax::python {

class QueuedLink final : public server::ClientLink {
 public:
  // `max_queued_bytes`: a client whose queue grows past this (its loop stopped draining, or
  // its socket stopped taking writes) is cut off rather than let memory grow without end.
  // All the links of a LockedEngine share `budget` too: past it, those furthest behind are cut
  // off first. It must outlive the link.
  QueuedLink(uint64_t client_id, size_t max_queued_bytes, server::QueueBudget& budget);
  ~QueuedLink() override;
  QueuedLink(const QueuedLink&) = delete;
  QueuedLink& operator=(const QueuedLink&) = delete;

  uint64_t client_id() const override { return id_; }
  void send(std::string message) override;
  void send_notification(uint64_t key, std::string message) override;

  // Everything queued, oldest first; nullopt once the link overflowed or was closed.
  std::optional<std::vector<std::string>> drain();
  // The eventfd that becomes readable when the queue stops being empty (-1 once closed).
  int wake_fd() const { return wake_fd_; }
  void close();

 private:
  void push(std::string message, std::optional<uint64_t> key);

  const uint64_t id_;
  const size_t max_queued_bytes_;
  int wake_fd_;
  std::mutex mutex_;
  std::deque<std::string> queue_;
  std::set<uint64_t> pending_notifications_;  // keys of notifications still in queue_
  size_t queued_bytes_ = 0;
  bool overflowed_ = false;
  std::atomic<bool> dropped_{false};     // by the shared budget, from another link's thread
  server::QueueBudget::Account budget_;  // last: its drop callback uses the members above
};

}  // namespace parallax::python
