#include "scripting/local_script_host.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string_view>

#include <fmt/format.h>

#include "common/install_paths.h"

namespace parallax {

namespace {

constexpr const char* kPython = "/usr/bin/python3";

Result<std::string> random_key() {
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::invalid("cannot open /dev/urandom");
  unsigned char bytes[24];
  const ssize_t count = ::read(fd, bytes, sizeof(bytes));
  ::close(fd);
  if (count != static_cast<ssize_t>(sizeof(bytes)))
    return Status::invalid("cannot read /dev/urandom");
  std::string key;
  for (unsigned char byte : bytes) key += fmt::format("{:02x}", byte);
  return key;
}

}  // namespace

std::optional<std::string> script_host_python_dir() {
  return find_data_dir("PARALLAX_PYTHON_DIR", "python");
}

Status exec_script_host(const std::vector<std::string>& args) {
  const auto dir = script_host_python_dir();
  if (!dir) {
    return Status::invalid("the script host's Python package is not installed (looked in {})",
                           data_dir_candidates("PARALLAX_PYTHON_DIR", "python"));
  }
  // Only absolute entries of the caller's PYTHONPATH: an empty or relative one would put the
  // working directory on the host's import path, even with -P.
  std::string path = *dir;
  if (const char* existing = std::getenv("PYTHONPATH")) {
    std::string_view rest = existing;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      const std::string_view entry = rest.substr(0, colon);
      if (!entry.empty() && entry.front() == '/') path += ":" + std::string(entry);
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
  }
  ::setenv("PYTHONPATH", path.c_str(), 1);
  // -P: the working directory is not on the import path (a user's inspect.py there would
  // run in the unsandboxed host).
  std::vector<const char*> argv = {kPython, "-P", "-m", "parallax_scripthost"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  argv.push_back(nullptr);
  ::execv(kPython, const_cast<char* const*>(argv.data()));
  return Status::invalid("cannot run {}: {}", kPython, std::strerror(errno));
}

Result<std::unique_ptr<LocalScriptHost>> LocalScriptHost::start(
    std::vector<std::string> extra_args) {
  std::unique_ptr<LocalScriptHost> host(new LocalScriptHost());
  PX_ASSIGN_OR_RETURN(host->key_, random_key());
  char key_template[] = "/tmp/parallax-key-XXXXXX";
  int key_fd = ::mkstemp(key_template);  // mode 0600
  if (key_fd < 0) return Status::invalid("cannot create a key file: {}", std::strerror(errno));
  host->key_file_ = key_template;
  const bool written = ::write(key_fd, host->key_.data(), host->key_.size()) ==
                       static_cast<ssize_t>(host->key_.size());
  ::close(key_fd);
  if (!written) return Status::invalid("cannot write the key file");

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return Status::invalid("pipe: {}", std::strerror(errno));
  std::vector<std::string> args = {"--host", "127.0.0.1",       "--port",
                                   "0",      "--hmac-key-file", host->key_file_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const pid_t pid = ::fork();
  if (pid < 0) return Status::invalid("fork: {}", std::strerror(errno));
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    Status status = exec_script_host(args);
    std::fprintf(stderr, "%s\n", status.message().c_str());
    ::_exit(127);
  }
  host->pid_ = pid;
  ::close(out[1]);
  // The host prints "... serving PYRO:parallax.scripthost@127.0.0.1:PORT ..." once ready.
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (text.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd entry{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&entry, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[512];
    const ssize_t count = ::read(out[0], buffer, sizeof(buffer));
    if (count <= 0) break;
    text.append(buffer, static_cast<size_t>(count));
  }
  ::close(out[0]);
  const size_t at = text.find("127.0.0.1:");
  if (at == std::string::npos) {
    return Status::invalid("the local script host did not start{}",
                           text.empty() ? "" : ": " + text);
  }
  host->port_ = static_cast<uint16_t>(std::atoi(text.c_str() + at + 10));
  return host;
}

LocalScriptHost::~LocalScriptHost() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    // Give it a few seconds to stop its workers, then insist.
    for (int i = 0; i < 50 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) ::usleep(100'000);
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  std::error_code ignored;  // a destructor must not throw
  if (!key_file_.empty()) std::filesystem::remove(key_file_, ignored);
}

}  // namespace parallax
