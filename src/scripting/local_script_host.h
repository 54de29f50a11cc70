// A script host started by this process (for `parallax run-script` and tests): a fresh
// random HMAC key in a private file, a free port on 127.0.0.1, stopped on destruction.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace parallax {

// The directory holding the parallax_scripthost package: $PARALLAX_PYTHON_DIR, else
// share/parallax/python beside the binary (common/install_paths.h).
std::optional<std::string> script_host_python_dir();
// Replaces this process with `/usr/bin/python3 -m parallax_scripthost ARGS` (returns only on
// failure).
Status exec_script_host(const std::vector<std::string>& args);

class LocalScriptHost {
 public:
  static Result<std::unique_ptr<LocalScriptHost>> start(std::vector<std::string> extra_args = {});
  ~LocalScriptHost();
  LocalScriptHost(const LocalScriptHost&) = delete;
  LocalScriptHost& operator=(const LocalScriptHost&) = delete;

  uint16_t port() const { return port_; }
  const std::string& hmac_key() const { return key_; }
  const std::string& key_file() const { return key_file_; }

 private:
  LocalScriptHost() = default;

  pid_t pid_ = -1;
  uint16_t port_ = 0;
  std::string key_;
  std::string key_file_;
};

}  // namespace parallax
