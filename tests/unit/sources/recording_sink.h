// A source's sink for tests: keeps every state and error, and waits for one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "sources/source.h"

namespace parallax {

class RecordingSink : public SourceSink {
 public:
  void deliver(SourceMessage) override {}
  void set_state(const std::string& state, const std::string& detail) override {
    std::lock_guard<std::mutex> lock(mutex_);
    states_.push_back(state + ": " + detail);
    changed_.notify_all();
  }
  void report_error(const std::string& message) override { set_state("error", message); }
  // Waits for a state that contains `text`; answers every state seen.
  std::string wait_for(const std::string& text, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& state : states_)
        if (state.find(text) != std::string::npos) return true;
      return false;
    });
    std::string all;
    for (const auto& state : states_) all += state + "\n";
    return all;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> states_;
};

}  // namespace parallax
