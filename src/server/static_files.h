// The viewer's files: the file under the web root that a URL path names, opened for
// reading, and its content type. A path never leaves the root: not by "..", an encoded
// "%2e%2e", a backslash or a NUL, nor by a symbolic link that points outside it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace parallax::server {

// An open regular file; closes it unless released.
class OpenFile {
 public:
  OpenFile(int fd, uint64_t size, std::string_view content_type)
      : fd_(fd), size_(size), content_type_(content_type) {}
  OpenFile(OpenFile&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), size_(other.size_), content_type_(other.content_type_) {}
  OpenFile& operator=(OpenFile&&) = delete;
  ~OpenFile();
  uint64_t size() const { return size_; }
  std::string_view content_type() const { return content_type_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
  uint64_t size_;
  std::string_view content_type_;
};

class WebRoot {
 public:
  // Fails when `directory` is not a readable directory.
  static Result<WebRoot> open(const std::string& directory);
  WebRoot(WebRoot&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), canonical_(std::move(other.canonical_)) {}
  WebRoot& operator=(WebRoot&&) = delete;
  ~WebRoot();

  // The file that `target` (a request's URL path, "/" is index.html) names. kInvalid: a
  // malformed path (answer 400); kNotFound: no regular file by that name inside the root.
  Result<OpenFile> open_file(std::string_view target) const;

 private:
  WebRoot(int fd, std::string canonical) : fd_(fd), canonical_(std::move(canonical)) {}
  int fd_;
  std::string canonical_;  // the root's real path, for the check without openat2
};

std::string_view content_type_of(std::string_view path);
// URL percent-decoding; nothing when a % is not followed by two hex digits.
std::optional<std::string> percent_decoded(std::string_view text);

}  // namespace parallax::server
