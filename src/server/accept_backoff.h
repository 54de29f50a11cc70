// How long the server waits before accepting again after accept() failed. Out of file
// descriptors (EMFILE, ENFILE) or kernel memory, accept fails at once and the connection stays
// in the backlog, so retrying at once spins a core until a descriptor frees up. Waiting a
// delay that grows (to a quarter second) costs nothing and serves again soon after.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <boost/system/error_code.hpp>

namespace parallax::server {

class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{5}, kMost{250};

  // The wait after `error`; the first of a run of errors is logged.
  std::chrono::milliseconds after_error(const boost::system::error_code& error) {
    if (delay_.count() == 0) {
      std::fprintf(stderr,
                   "parallax: cannot accept connections (%s); retrying, at most every %lld ms\n",
                   error.message().c_str(), static_cast<long long>(kMost.count()));
    }
    delay_ = std::clamp(delay_ * 2, kFirst, kMost);
    return delay_;
  }
  void after_success() {
    if (delay_.count() != 0) std::fputs("parallax: accepting connections again\n", stderr);
    delay_ = {};
  }

 private:
  std::chrono::milliseconds delay_{0};
};

}  // namespace parallax::server
