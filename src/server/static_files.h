// The viewer's files: which file a URL path names under the web root, and its content type.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parallax::server {

// The file under `root` that `target` names ("/" is index.html), or nothing when the path
// is malformed or tries to leave the root.
std::optional<std::string> static_file_path(const std::string& root, std::string_view target);
std::string_view content_type_of(std::string_view path);

}  // namespace parallax::server
