#include "common/status.h"
// Status is header-only today; this unit keeps the library non-empty and is where
// out-of-line helpers go once they exist.
