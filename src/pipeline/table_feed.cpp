#include "pipeline/table_feed.h"

#include "sources/row_batches.h"

namespace parallax {

void TableFeed::start(SourceSink& sink) {
  {
    std::lock_guard<std::mutex> lock(link_->mutex);
    link_->sink = &sink;
  }
  stop_.clear();
  sink.set_state("connecting", "");
  // Until the table exists: try on the engine's thread every 100 ms.
  thread_ = std::thread([this] {
    while (!stop_.requested()) {
      {
        std::lock_guard<std::mutex> lock(link_->mutex);
        if (link_->subscribed) return;
      }
      post_([link = link_, table = table_, markers = markers_](Engine& engine) {
        std::lock_guard<std::mutex> lock(link->mutex);
        if (link->subscribed || link->sink == nullptr) return;
        const auto found = engine.table(table);
        if (!found.is_ok()) return;
        const auto subscribed = engine.on_table_change(
            table, [link, markers](const Table& changed, const ChangeSet& changes) {
              std::lock_guard<std::mutex> lock(link->mutex);
              if (link->sink == nullptr) return;
              SourceMessage message;
              if (markers) {
                message.snapshot = true;
              } else if (changes.cleared) {
                message.rows = all_table_rows(changed);
                message.snapshot = true;
              } else {
                std::vector<uint32_t> rows = changes.added_rows;
                rows.insert(rows.end(), changes.updated_rows.begin(), changes.updated_rows.end());
                if (rows.empty()) return;
                message.rows = table_rows(changed, rows);
              }
              link->sink->deliver(std::move(message));
            });
        if (!subscribed.is_ok()) return;
        link->subscribed = true;
        link->sink->set_state("ok", "");
        SourceMessage first;
        if (!markers) first.rows = all_table_rows(*found.value());
        first.snapshot = true;
        if (markers || first.rows->num_rows > 0) link->sink->deliver(std::move(first));
      });
      stop_.sleep_for(std::chrono::milliseconds(100));
    }
  });
}

void TableFeed::stop() {
  stop_.request();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(link_->mutex);
  link_->sink = nullptr;
}

}  // namespace parallax
