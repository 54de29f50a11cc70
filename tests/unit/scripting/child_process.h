// A helper process for tests: started with pipes on stdin and stdout, its first output line
// read, and stopped (stdin closed, then SIGTERM, then SIGKILL) when the object goes away.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace parallax::testing {

class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      std::vector<char*> args;
      for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~ChildProcess() {
    if (stdin_ >= 0) ::close(stdin_);
    if (stdout_ >= 0) ::close(stdout_);
    if (pid_ <= 0) return;
    int status = 0;
    for (int i = 0; i < 30 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) ::usleep(100'000);
    if (::waitpid(pid_, &status, WNOHANG) == 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 50 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i) ::usleep(100'000);
      if (::waitpid(pid_, &status, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
      }
    }
  }

  // The first line the child prints (without the newline), or "" after 60 s of silence.
  std::string first_line() {
    std::string text;
    while (text.find('\n') == std::string::npos) {
      pollfd entry{stdout_, POLLIN, 0};
      if (::poll(&entry, 1, 60'000) <= 0) return "";
      char buffer[256];
      const ssize_t count = ::read(stdout_, buffer, sizeof(buffer));
      if (count <= 0) return "";
      text.append(buffer, static_cast<size_t>(count));
    }
    return text.substr(0, text.find('\n'));
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
};

}  // namespace parallax::testing
