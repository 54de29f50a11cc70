// Where the parallax binary finds the files it ships with (the viewer's web root, the script
// host's Python package), wherever it was installed or built: never a path compiled in.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parallax {

// The directory of the running executable (from /proc/self/exe), or "" if unknown.
std::string executable_dir();

// The directory `share/parallax/NAME` that belongs to this binary. Looked up in order:
//   1. the environment variable ENV_VAR, when set (used as given, even if missing, so a
//      wrong setting gives a clear error instead of a silent fallback);
//   2. EXE_DIR/../share/parallax/NAME   (installed: PREFIX/bin/parallax);
//   3. EXE_DIR/share/parallax/NAME      (the build tree: build/parallax).
// Returns nothing when neither exists.
std::optional<std::string> find_data_dir(std::string_view env_var, std::string_view name);

// Where each lookup above searched, for error messages ("looked in A, B").
std::string data_dir_candidates(std::string_view env_var, std::string_view name);

}  // namespace parallax
