#include "scripting/arrow_exchange.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace parallax {

namespace {

// The names the host accepts: 16-100 of [A-Za-z0-9_-], then ".arrow".
bool valid_name(std::string_view name) {
  constexpr std::string_view kSuffix = ".arrow";
  if (name.size() < 16 + kSuffix.size() || name.size() > 100 + kSuffix.size()) return false;
  if (name.substr(name.size() - kSuffix.size()) != kSuffix) return false;
  for (char c : name.substr(0, name.size() - kSuffix.size())) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-';
    if (!plain) return false;
  }
  return true;
}

Result<std::string> read_all(int fd, const std::string& path) {
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    return Status::invalid("'{}' is not a plain file", path);
  }
  std::string bytes(static_cast<size_t>(info.st_size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t count = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return Status::invalid("cannot read '{}': {}", path, std::strerror(errno));
    done += static_cast<size_t>(count);
  }
  return bytes;
}

}  // namespace

std::optional<ArrowExchange> ArrowExchange::from_host_info(const PyValue& info) {
  const PyValue* exchange = info.get("exchange");
  if (!exchange) return std::nullopt;
  const PyValue* dir = exchange->get("dir");
  const PyValue* id = exchange->get("id");
  if (!dir || !id || !dir->is_str() || !id->is_str() || dir->text.empty() || id->text.empty() ||
      dir->text.front() != '/' || ::access(dir->text.c_str(), W_OK | X_OK) != 0) {
    return std::nullopt;
  }
  const std::string path = dir->text + "/host-id";
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  auto text = read_all(fd, path);
  ::close(fd);
  if (!text.is_ok() || text.value() != id->text) return std::nullopt;
  return ArrowExchange(dir->text);
}

Result<std::string> ArrowExchange::put(std::string_view bytes) const {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof(random)) != 1) return Status::invalid("no random bytes");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name;
  for (unsigned char byte : random) {
    name += kHex[byte >> 4];
    name += kHex[byte & 15];
  }
  name += ".arrow";
  const std::string path = dir_ + "/" + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::invalid("cannot create '{}': {}", path, std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t count = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) {
      const Status failed = Status::invalid("cannot write '{}': {}", path, std::strerror(errno));
      ::close(fd);
      ::unlink(path.c_str());
      return failed;
    }
    done += static_cast<size_t>(count);
  }
  if (::close(fd) != 0) {
    ::unlink(path.c_str());
    return Status::invalid("cannot write '{}': {}", path, std::strerror(errno));
  }
  return name;
}

Result<std::string> ArrowExchange::take(std::string_view name) const {
  if (!valid_name(name)) return Status::invalid("the script host named a bad Arrow file");
  const std::string path = dir_ + "/" + std::string(name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::invalid("cannot open '{}': {}", path, std::strerror(errno));
  ::unlink(path.c_str());
  auto bytes = read_all(fd, path);
  ::close(fd);
  return bytes;
}

void ArrowExchange::discard(std::string_view name) const {
  if (valid_name(name)) ::unlink((dir_ + "/" + std::string(name)).c_str());
}

}  // namespace parallax
