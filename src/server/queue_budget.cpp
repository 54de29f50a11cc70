#include "server/queue_budget.h"

#include <unistd.h>
#include <algorithm>

#include <fmt/format.h>

namespace parallax::server {

namespace {

std::string megabytes(size_t bytes) {
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace

QueueBudget::Account::Account(QueueBudget& budget, DropFn drop)
    : budget_(budget), drop_(std::move(drop)) {
  std::lock_guard lock(budget_.mutex_);
  budget_.accounts_.insert(this);
}

size_t QueueBudget::default_max_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  const size_t quarter = pages > 0 && page > 0 ? static_cast<size_t>(pages) * page / 4 : 0;
  return quarter > 0 ? std::min<size_t>(quarter, size_t{1} << 30) : size_t{1} << 30;
}

size_t QueueBudget::total_bytes() const {
  std::lock_guard lock(mutex_);
  return total_;
}

bool QueueBudget::charge(Account& account, size_t bytes) {
  std::lock_guard lock(mutex_);
  if (!account.open_) return false;
  account.bytes_ += bytes;
  total_ += bytes;
  while (total_ > max_bytes_) {
    // The client furthest behind: the most bytes waiting for it.
    Account* behind =
        *std::max_element(accounts_.begin(), accounts_.end(),
                          [](const Account* a, const Account* b) { return a->bytes_ < b->bytes_; });
    const std::string reason = fmt::format(
        "{} waiting for it, the most of any client, when all clients' queues "
        "held {} (over the server's bound of {}, {})",
        megabytes(behind->bytes_), megabytes(total_), megabytes(max_bytes_), option_);
    total_ -= behind->bytes_;
    behind->bytes_ = 0;
    behind->open_ = false;
    accounts_.erase(behind);
    behind->drop_(reason);
  }
  return account.open_;
}

void QueueBudget::release(Account& account, size_t bytes) {
  std::lock_guard lock(mutex_);
  if (!account.open_) return;
  bytes = std::min(bytes, account.bytes_);
  account.bytes_ -= bytes;
  total_ -= bytes;
}

void QueueBudget::close(Account& account) {
  std::lock_guard lock(mutex_);
  if (!account.open_) return;
  total_ -= account.bytes_;
  account.bytes_ = 0;
  account.open_ = false;
  accounts_.erase(&account);
}

}  // namespace parallax::server
