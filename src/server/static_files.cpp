#include "server/static_files.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace parallax::server {

namespace {

// Longer URL paths name no file of the viewer's; refusing them early bounds the work.
constexpr size_t kMaxPathBytes = 1024;

// Opens `relative` under the root without leaving it: openat2 refuses a ".." or a symbolic
// link that resolves outside (RESOLVE_BENEATH). Kernels without openat2 (before 5.6, or a
// seccomp policy that refuses it) open and then check the real path of what they opened.
int open_beneath(int root, const std::string& canonical_root, const std::string& relative) {
  constexpr int kFlags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;  // a FIFO must not block
  open_how how{};
  how.flags = kFlags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const long fd = syscall(SYS_openat2, root, relative.c_str(), &how, sizeof(how));
  if (fd >= 0 || (errno != ENOSYS && errno != EPERM)) return static_cast<int>(fd);
  const int opened = openat(root, relative.c_str(), kFlags);
  if (opened < 0) return -1;
  char real[PATH_MAX];
  const std::string link = "/proc/self/fd/" + std::to_string(opened);
  const ssize_t size = readlink(link.c_str(), real, sizeof(real));
  const std::string_view path(real, size > 0 ? size : 0);
  if (!path.starts_with(canonical_root + "/")) {
    close(opened);
    errno = EXDEV;
    return -1;
  }
  return opened;
}

}  // namespace

OpenFile::~OpenFile() {
  if (fd_ >= 0) close(fd_);
}

WebRoot::~WebRoot() {
  if (fd_ >= 0) close(fd_);
}

Result<WebRoot> WebRoot::open(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  char* real = fd < 0 ? nullptr : realpath(directory.c_str(), nullptr);
  if (!real) {
    const int error = errno;
    if (fd >= 0) close(fd);
    return Status::invalid("web root '{}': {}", directory, std::strerror(error));
  }
  std::string canonical(real);
  std::free(real);
  return WebRoot(fd, std::move(canonical));
}

Result<OpenFile> WebRoot::open_file(std::string_view target) const {
  target = target.substr(0, target.find_first_of("?#"));
  auto path = percent_decoded(target);
  if (!path || path->empty() || path->front() != '/' || path->size() > kMaxPathBytes) {
    return Status::invalid("bad path");
  }
  if (path->find('\0') != std::string::npos || path->find('\\') != std::string::npos) {
    return Status::invalid("bad path");
  }
  // No segment may be empty ("//"), "." or "..", nor start with a dot (no hidden files).
  size_t start = 1;
  while (start <= path->size()) {
    size_t end = path->find('/', start);
    if (end == std::string::npos) end = path->size();
    if (end == start && end != path->size()) return Status::invalid("bad path");
    if (end > start && (*path)[start] == '.') return Status::invalid("bad path");
    start = end + 1;
  }
  if (path->back() == '/') *path += "index.html";
  const int fd = open_beneath(fd_, canonical_, path->substr(1));
  if (fd < 0) return Status::not_found("not found");
  OpenFile file(fd, 0, content_type_of(*path));
  struct stat info {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return Status::not_found("not found");
  return OpenFile(file.release(), static_cast<uint64_t>(info.st_size), content_type_of(*path));
}

std::optional<std::string> percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int high = hex(text[i + 1]), low = hex(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::string_view content_type_of(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (path.size() >= extension.size() &&
        path.substr(path.size() - extension.size()) == extension) {
      return type;
    }
  }
  return "application/octet-stream";
}

}  // namespace parallax::server
