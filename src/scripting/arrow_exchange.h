// Arrow tables through a local script host's exchange directory instead of inside the Pyro4
// messages: a 100k-row table in a message costs base64 on both ends, an HMAC over megabytes
// and serpent or json parsing of a megabyte-long string in the host, each way. The client
// writes its input there and sends only the name; the host's reply names the file it wrote.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "scripting/python_value.h"

namespace parallax {

class ArrowExchange {
 public:
  // From the host's info() reply ({'exchange': {'dir', 'id'}}): usable only when this
  // process can write the directory and its `host-id` file holds the id, i.e. the host runs
  // on this machine and sees the same files.
  static std::optional<ArrowExchange> from_host_info(const PyValue& info);

  // Writes `bytes` to a new file with a random name; returns the name.
  Result<std::string> put(std::string_view bytes) const;
  // The bytes of the host's file `name`, which is then deleted.
  Result<std::string> take(std::string_view name) const;
  // Deletes `name` if it is still there (an input the host never took).
  void discard(std::string_view name) const;

 private:
  explicit ArrowExchange(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace parallax
