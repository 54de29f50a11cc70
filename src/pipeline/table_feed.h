// A source that is another hosted table: its rows, then the rows each change adds or
// updates (removed rows are not passed on). Subscribes on the engine's thread once the table
// exists (a live table is made by its first window).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "pipeline/live_table.h"
#include "sources/backoff.h"
#include "sources/source.h"

namespace parallax {

class TableFeed : public Source {
 public:
  // With `markers`, each change is an empty message: the reader copies the table itself.
  TableFeed(std::string table, PostToEngine post, bool markers)
      : table_(std::move(table)), post_(std::move(post)), markers_(markers) {}
  ~TableFeed() override { stop(); }
  void start(SourceSink& sink) override;
  void stop() override;

 private:
  // The sink, while the feed runs: engine callbacks may outlive the feed.
  struct Link {
    std::mutex mutex;
    SourceSink* sink = nullptr;
    bool subscribed = false;
  };
  std::string table_;
  PostToEngine post_;
  bool markers_;
  std::shared_ptr<Link> link_ = std::make_shared<Link>();
  StopSignal stop_;
  std::thread thread_;
};

}  // namespace parallax
