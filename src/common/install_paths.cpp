#include "common/install_paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace parallax {

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> install_candidates(std::string_view name) {
  const std::string exe = executable_dir();
  if (exe.empty()) return {};
  const fs::path dir(exe);
  return {(dir / ".." / "share" / "parallax" / name).lexically_normal(),
          dir / "share" / "parallax" / name};
}

}  // namespace

std::string executable_dir() {
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  if (error) return {};
  return exe.parent_path().string();
}

std::optional<std::string> find_data_dir(std::string_view env_var, std::string_view name) {
  const std::string variable(env_var);
  if (const char* value = std::getenv(variable.c_str()); value && *value) return value;
  for (const fs::path& candidate : install_candidates(name)) {
    std::error_code error;
    if (fs::is_directory(candidate, error)) return candidate.string();
  }
  return std::nullopt;
}

std::string data_dir_candidates(std::string_view env_var, std::string_view name) {
  std::string text(1, '$');
  text.append(env_var);
  for (const fs::path& candidate : install_candidates(name)) {
    text.append(", ");
    text.append(candidate.string());
  }
  return text;
}

}  // namespace parallax
