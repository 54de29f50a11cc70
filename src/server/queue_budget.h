// A server-wide bound on the bytes waiting to be written to clients. Each client's queue
// charges an Account; when the total passes the bound, the accounts holding the most bytes
// (the clients furthest behind) are dropped until the total fits again, so memory stays
// bounded however many clients stop reading, and the engine never waits for any of them.
// Thread-safe: clients charge from their own threads or strands.
#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>

namespace parallax::server {

class QueueBudget {
 public:
  // Called (under the budget's lock: it must only post work, never block or call back) when
  // the account is dropped, with the reason to log.
  using DropFn = std::function<void(const std::string& reason)>;

  class Account {
   public:
    Account(QueueBudget& budget, DropFn drop);
    ~Account() { close(); }
    Account(const Account&) = delete;
    Account& operator=(const Account&) = delete;

    // Adds `bytes` to this client's share; false when this client has been dropped (now, to
    // make room, or before).
    bool charge(size_t bytes) { return budget_.charge(*this, bytes); }
    void release(size_t bytes) { budget_.release(*this, bytes); }
    // Releases everything and leaves the budget; later charges fail.
    void close() { budget_.close(*this); }

   private:
    friend class QueueBudget;
    QueueBudget& budget_;
    DropFn drop_;
    size_t bytes_ = 0;
    bool open_ = true;
  };

  // `option`: what sets the bound, for the reason a client is dropped.
  explicit QueueBudget(size_t max_bytes, std::string option = "--max-queued-mb")
      : max_bytes_(max_bytes), option_(std::move(option)) {}
  // 1 GiB, or a quarter of the machine's memory when that is less.
  static size_t default_max_bytes();

  size_t max_bytes() const { return max_bytes_; }
  size_t total_bytes() const;

 private:
  bool charge(Account& account, size_t bytes);
  void release(Account& account, size_t bytes);
  void close(Account& account);

  const size_t max_bytes_;
  const std::string option_;
  mutable std::mutex mutex_;
  size_t total_ = 0;
  std::unordered_set<Account*> accounts_;
};

}  // namespace parallax::server
