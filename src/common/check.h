// Internal checks: invariants between a structure's parts, stated where they must hold and
// checked in debug builds (NDEBUG unset), compiled out of release builds (the condition is
// then not evaluated, so a check may be as slow as it needs to be).
//
// PX_DCHECK(condition): aborts with the file, line and condition when false.
// PX_DCHECK_OK(status): for a check written as a function answering a Status (kInternal
// naming what is inconsistent, as Status::internal makes): aborts with its message when not ok.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "common/status.h"

namespace parallax::internal {

[[noreturn]] inline void check_failed(const char* file, int line, const char* what,
                                      const std::string& detail) {
  std::fprintf(stderr, "%s:%d: internal check failed: %s%s%s\n", file, line, what,
               detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

}  // namespace parallax::internal

#ifdef NDEBUG
#define PX_DCHECK_ENABLED 0
#define PX_DCHECK(condition) \
  do {                       \
  } while (false && (condition))
#define PX_DCHECK_OK(status) \
  do {                       \
  } while (false && (status).is_ok())
#else
#define PX_DCHECK_ENABLED 1
#define PX_DCHECK(condition)                                                                  \
  do {                                                                                        \
    if (!(condition)) ::parallax::internal::check_failed(__FILE__, __LINE__, #condition, {}); \
  } while (false)
#define PX_DCHECK_OK(status)                                                                \
  do {                                                                                      \
    const ::parallax::Status px_check_ = (status);                                          \
    if (!px_check_.is_ok())                                                                 \
      ::parallax::internal::check_failed(__FILE__, __LINE__, #status, px_check_.message()); \
  } while (false)
#endif
