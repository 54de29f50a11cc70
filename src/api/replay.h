// The replay interpreter (tests/oracle/README.md): a script of one JSON request a line (make
// tables and views, update, read) run on an engine of its own, one {"ok": ...} or
// {"error": ...} answer a line. `parallax replay` only reads the script and prints the answers;
// the differential suites compare them with the reference's (tests/oracle/replay.mjs).
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace parallax {

// Runs every line of SCRIPT (blank lines skipped); WRITE gets each answer line, newline
// included, as soon as it is made. TIMING adds each request's time in ms ("ms"). THREADS
// sizes the engine's task pool (Engine::set_num_cpus; 0: every core).
void run_replay_script(std::string_view script, bool timing,
                       const std::function<void(std::string_view)>& write, size_t threads = 0);

}  // namespace parallax
