#include "cli/virtual_tables.h"

#include <cstdio>

#include "virtual/credentials.h"
#include "virtual/virtual_table.h"

namespace parallax {

Result<size_t> host_virtual_database(Engine& engine, const std::string& url,
                                     const std::optional<std::string>& password_file,
                                     BackendOptions options) {
  PX_ASSIGN_OR_RETURN(
      std::unique_ptr<Backend> connected,
      connect_with_password(url, PasswordSource{password_file, std::nullopt}, options));
  std::shared_ptr<Backend> backend = std::move(connected);
  PX_ASSIGN_OR_RETURN(std::vector<BackendTable> tables, backend->tables());
  size_t hosted = 0;
  const std::string database = url.substr(url.rfind('/') + 1);
  for (auto& source : tables) {
    // A name another database (or a file) took is prefixed with this one's: "sales.orders".
    std::string name = source.name;
    if (engine.table(name).is_ok()) name = database + "." + name;
    for (const auto& skipped : source.skipped) {
      std::fprintf(stderr,
                   "parallax serve: %s: table '%s': column %s has no Parallax type, left out\n",
                   url.c_str(), name.c_str(), skipped.c_str());
    }
    auto table = VirtualTable::create(backend, std::move(source));
    if (!table.is_ok()) {
      std::fprintf(stderr, "parallax serve: %s: %s, left out\n", url.c_str(),
                   table.status().message().c_str());
      continue;
    }
    if (Status hosted_table = engine.host_virtual_table(name, std::move(table).value());
        !hosted_table.is_ok()) {
      return Status::invalid("{}: {}", url, hosted_table.message());
    }
    ++hosted;
  }
  return hosted;
}

VirtualRefresher::VirtualRefresher(std::chrono::milliseconds period, std::function<void()> tick)
    : period_(period), tick_(std::move(tick)), thread_([this] { run(); }) {}

VirtualRefresher::~VirtualRefresher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void VirtualRefresher::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stopping_; })) tick_();
}

}  // namespace parallax
