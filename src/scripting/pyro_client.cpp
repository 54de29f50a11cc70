#include "scripting/pyro_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "scripting/pickle.h"
#include "scripting/pyro_json.h"
#include "scripting/serpent.h"

namespace parallax {

namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline`, at least 0.
int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Waits until `fd` is ready for `events`; false on timeout.
Result<bool> wait_ready(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0) return false;
    if (errno != EINTR) return Status::invalid("pyro: poll failed: {}", std::strerror(errno));
  }
}

Result<int> connect_socket(const PyroAddress& address, std::chrono::milliseconds timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  if (int error = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found); error != 0) {
    return Status::invalid("pyro: cannot resolve host '{}': {}", address.host,
                           ::gai_strerror(error));
  }
  const auto deadline = Clock::now() + timeout;
  std::string last_error = "no address";
  for (addrinfo* entry = found; entry; entry = entry->ai_next) {
    int fd = ::socket(entry->ai_family, entry->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                      entry->ai_protocol);
    if (fd < 0) continue;
    int status = ::connect(fd, entry->ai_addr, entry->ai_addrlen);
    if (status != 0 && errno == EINPROGRESS) {
      auto ready = wait_ready(fd, POLLOUT, deadline);
      if (ready.is_ok() && ready.value()) {
        int error = 0;
        socklen_t length = sizeof(error);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
        status = error == 0 ? 0 : -1;
        errno = error;
      } else {
        errno = ETIMEDOUT;
      }
    }
    if (status == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      ::freeaddrinfo(found);
      return fd;
    }
    last_error = errno == ETIMEDOUT ? fmt::format("timed out after {} ms", timeout.count())
                                    : std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return Status::invalid("pyro: cannot connect to {}:{}: {}", address.host, address.port,
                         last_error);
}

std::string describe_text(const PyValue& value) {
  if (value.is_str()) return value.text;
  auto text = serpent_encode(value);
  if (!text.is_ok()) return "(unprintable value)";
  // Without the header line.
  const size_t newline = text.value().find('\n');
  return text.value().substr(newline + 1);
}

}  // namespace

Result<std::string> encode_pyro_value(PyroSerializer serializer, const PyValue& value) {
  switch (serializer) {
    case PyroSerializer::kSerpent:
      return serpent_encode(value);
    case PyroSerializer::kJson:
      return json_encode(value);
    case PyroSerializer::kPickle:
      return pickle_encode(value);
    default:
      return Status::unsupported("pyro: the {} serializer is not supported by this client",
                                 serializer_name(serializer));
  }
}

Result<PyValue> decode_pyro_value(PyroSerializer serializer, std::string_view payload) {
  switch (serializer) {
    case PyroSerializer::kSerpent:
      return serpent_decode(payload);
    case PyroSerializer::kJson:
      return json_decode(payload);
    case PyroSerializer::kPickle:
      return pickle_decode(payload);
    case PyroSerializer::kMarshal: {
      PX_ASSIGN_OR_RETURN(std::string text, marshal_decode_string(payload));
      return PyValue::str(std::move(text));
    }
    default:
      return Status::unsupported("pyro: the daemon replied with the {} serializer (id {})",
                                 serializer_name(serializer), static_cast<int>(serializer));
  }
}

Status remote_exception_status(const PyValue& exception) {
  std::string class_name = "Exception";
  if (const PyValue* name = exception.get("__class__"); name && name->is_str()) {
    class_name = name->text;
    if (class_name.starts_with("builtins.")) class_name.erase(0, 9);
  }
  std::string message;
  if (const PyValue* args = exception.get("args"); args && args->is_sequence()) {
    for (size_t i = 0; i < args->items.size(); ++i) {
      if (i) message += ", ";
      message += describe_text(args->items[i]);
    }
  }
  std::string text = fmt::format("remote {}: {}", class_name, message);
  const PyValue* attributes = exception.get("attributes");
  const PyValue* traceback = attributes ? attributes->get("_pyroTraceback") : nullptr;
  if (traceback && traceback->is_sequence() && !traceback->items.empty()) {
    text += "\nremote traceback:\n";
    for (const auto& line : traceback->items) text += describe_text(line);
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return Status::invalid("{}", text);
}

Result<PyroAddress> parse_pyro_uri(std::string_view uri) {
  if (!uri.starts_with("PYRO:"))
    return Status::invalid("pyro: URI '{}' must start with PYRO:", uri);
  const std::string_view rest = uri.substr(5);
  const size_t at = rest.rfind('@');
  const size_t colon = rest.rfind(':');
  if (at == std::string_view::npos || colon == std::string_view::npos || colon < at) {
    return Status::invalid("pyro: URI '{}' is not PYRO:object@host:port", uri);
  }
  PyroAddress address;
  address.object = std::string(rest.substr(0, at));
  address.host = std::string(rest.substr(at + 1, colon - at - 1));
  const std::string_view port = rest.substr(colon + 1);
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), address.port);
  if (ec != std::errc() || end != port.data() + port.size() || address.object.empty() ||
      address.host.empty()) {
    return Status::invalid("pyro: URI '{}' is not PYRO:object@host:port", uri);
  }
  return address;
}

// ---- PyroConnection ----

PyroConnection::PyroConnection(int fd, PyroAddress address, PyroClientOptions options)
    : fd_(fd), address_(std::move(address)), options_(std::move(options)) {}

PyroConnection::~PyroConnection() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<PyroConnection>> PyroConnection::open(const PyroAddress& address,
                                                             const PyroClientOptions& options) {
  if (options.serializer != PyroSerializer::kSerpent &&
      options.serializer != PyroSerializer::kJson &&
      options.serializer != PyroSerializer::kPickle) {
    return Status::unsupported("pyro: the {} serializer is not supported by this client",
                               serializer_name(options.serializer));
  }
  PX_ASSIGN_OR_RETURN(int fd, connect_socket(address, options.connect_timeout));
  std::unique_ptr<PyroConnection> connection(new PyroConnection(fd, address, options));
  PX_RETURN_IF_ERROR(connection->handshake());
  return connection;
}

Status PyroConnection::fail(Status status) {
  broken_ = true;
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  return status;
}

Status PyroConnection::write_all(std::string_view bytes, Clock::time_point deadline) {
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t count = ::send(fd_, bytes.data() + written, bytes.size() - written, MSG_NOSIGNAL);
    if (count > 0) {
      written += static_cast<size_t>(count);
      continue;
    }
    if (count < 0 && errno == EINTR) continue;
    if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      PX_ASSIGN_OR_RETURN(bool ready, wait_ready(fd_, POLLOUT, deadline));
      if (!ready)
        return Status::invalid("pyro: timed out sending to {}:{}", address_.host, address_.port);
      continue;
    }
    failed_stale_ = written == 0 && (errno == EPIPE || errno == ECONNRESET);
    return Status::invalid("pyro: connection to {}:{} lost while sending: {}", address_.host,
                           address_.port, std::strerror(errno));
  }
  return Status::ok();
}

Status PyroConnection::read_exact(char* out, size_t size, Clock::time_point deadline,
                                  bool& any_read) {
  size_t done = 0;
  while (done < size) {
    const ssize_t count = ::recv(fd_, out + done, size - done, 0);
    if (count > 0) {
      done += static_cast<size_t>(count);
      any_read = true;
      continue;
    }
    if (count == 0) {
      return Status::invalid("pyro: connection to {}:{} closed by the daemon", address_.host,
                             address_.port);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      PX_ASSIGN_OR_RETURN(bool ready, wait_ready(fd_, POLLIN, deadline));
      if (!ready) return Status::invalid("pyro: no reply within the timeout");
      continue;
    }
    return Status::invalid("pyro: connection to {}:{} lost: {}", address_.host, address_.port,
                           std::strerror(errno));
  }
  return Status::ok();
}

Result<PyroMessage> PyroConnection::exchange(const PyroMessage& request,
                                             Clock::time_point deadline) {
  if (!usable()) return Status::invalid("pyro: connection is closed");
  failed_stale_ = false;
  if (request.payload.size() > options_.max_message_bytes) {
    return Status::invalid("pyro: request of {} bytes exceeds the limit of {}",
                           request.payload.size(), options_.max_message_bytes);
  }
  PyroSession* session = session_ ? &*session_ : nullptr;
  if (Status sent = write_all(encode_pyro_message(request, options_.hmac_key, session), deadline);
      !sent.is_ok()) {
    return fail(sent);
  }
  std::string header_bytes(kPyroHeaderSize, '\0');
  bool any_read = false;
  if (Status read = read_exact(header_bytes.data(), header_bytes.size(), deadline, any_read);
      !read.is_ok()) {
    // A daemon that dropped an idle connection answers a new request with EOF or a reset.
    failed_stale_ = !any_read && request.type != PyroMessageType::kConnect &&
                    read.message().find("timeout") == std::string::npos;
    return fail(read);
  }
  auto header = decode_pyro_header(header_bytes);
  if (!header.is_ok()) return fail(header.status());
  if (header->payload_size > options_.max_message_bytes) {
    return fail(Status::invalid("pyro: reply of {} bytes exceeds the limit of {}",
                                header->payload_size, options_.max_message_bytes));
  }
  std::string annotation_bytes(header->annotations_size, '\0');
  if (Status read =
          read_exact(annotation_bytes.data(), annotation_bytes.size(), deadline, any_read);
      !read.is_ok()) {
    return fail(read);
  }
  PyroMessage message;
  message.type = header->type;
  message.flags = header->flags;
  message.sequence = header->sequence;
  message.serializer = header->serializer;
  auto annotations = decode_pyro_annotations(annotation_bytes);
  if (!annotations.is_ok()) return fail(annotations.status());
  message.annotations = std::move(annotations).value();
  // A CONNECTFAIL sent before the daemon checked the key (wrong key, unaccepted serializer)
  // is unsigned: its reason is still worth showing, and the connection is closed anyway.
  const bool check = message.type != PyroMessageType::kConnectFail;
  if (check && request.type == PyroMessageType::kConnect) {
    if (Status started = start_session(message); !started.is_ok()) return fail(started);
  }
  // The header is authenticated before the payload is read.
  if (check && session_) {
    auto pxhd = message.annotations.find("PXHD");
    Status signed_here = session_->check_header(
        header_bytes, pxhd == message.annotations.end() ? nullptr : &pxhd->second);
    if (!signed_here.is_ok()) return fail(signed_here);
  }
  message.payload.assign(header->payload_size, '\0');
  if (Status read = read_exact(message.payload.data(), message.payload.size(), deadline, any_read);
      !read.is_ok()) {
    return fail(read);
  }
  if (check) {
    Status mac = check_pyro_hmac(message, session_ ? session_->key() : options_.hmac_key);
    if (!mac.is_ok()) return fail(mac);
  }
  if (message.flags & pyro_flags::kCompressed) {
    return fail(
        Status::unsupported("pyro: compressed replies are not supported (daemon has "
                            "COMPRESSION enabled)"));
  }
  return message;
}

Status PyroConnection::start_session(const PyroMessage& reply) {
  if (options_.hmac_key.empty()) return Status::ok();
  auto nonce = reply.annotations.find("PXNC");
  if (nonce == reply.annotations.end()) {
    if (options_.allow_plain_pyro4) return Status::ok();
    return Status::invalid(
        "pyro: {}:{} answered without Parallax's connection challenge (a stock Pyro4 daemon, "
        "whose messages can be replayed?); set \"pyro_compat\": true to accept it",
        address_.host, address_.port);
  }
  PX_ASSIGN_OR_RETURN(session_,
                      PyroSession::for_client(options_.hmac_key, client_nonce_, nonce->second));
  return Status::ok();
}

Status PyroConnection::handshake() {
  PyValue payload = PyValue::dict();
  payload.set("handshake", PyValue::str("hello"));
  payload.set("object", PyValue::str(address_.object));
  PX_ASSIGN_OR_RETURN(std::string encoded, encode_pyro_value(options_.serializer, payload));
  PyroMessage request;
  request.type = PyroMessageType::kConnect;
  request.flags = pyro_flags::kMetaOnConnect;
  request.sequence = 0;
  request.serializer = options_.serializer;
  request.payload = std::move(encoded);
  if (!options_.hmac_key.empty()) {
    client_nonce_ = PyroSession::new_nonce();
    request.annotations["PXNC"] = client_nonce_;
  }
  PX_ASSIGN_OR_RETURN(PyroMessage reply,
                      exchange(request, Clock::now() + options_.connect_timeout));
  auto body = decode_pyro_value(reply.serializer, reply.payload);
  if (reply.type == PyroMessageType::kConnectFail) {
    const std::string reason = body.is_ok() ? describe_text(body.value()) : body.status().message();
    return fail(Status::invalid("pyro: {}:{} refused the connection: {}", address_.host,
                                address_.port, reason));
  }
  if (reply.type != PyroMessageType::kConnectOk) {
    return fail(Status::invalid("pyro: unexpected reply to CONNECT (type {})",
                                static_cast<int>(reply.type)));
  }
  if (!body.is_ok()) return fail(body.status().with_context("pyro: handshake reply"));
  if (const PyValue* meta = body->get("meta")) metadata_ = *meta;
  return Status::ok();
}

Result<PyValue> PyroConnection::call(std::string_view method, std::vector<PyValue> args,
                                     PyValue kwargs,
                                     std::optional<std::chrono::milliseconds> timeout) {
  PyroMessage request;
  request.type = PyroMessageType::kInvoke;
  request.serializer = options_.serializer;
  sequence_ = static_cast<uint16_t>(sequence_ + 1);  // wraps at 0xFFFF
  request.sequence = sequence_;
  PyValue body;
  if (options_.serializer == PyroSerializer::kJson) {
    body = PyValue::dict();
    body.set("object", PyValue::str(address_.object));
    body.set("method", PyValue::str(std::string(method)));
    body.set("params", PyValue::list(std::move(args)));
    body.set("kwargs", std::move(kwargs));
  } else {
    body = PyValue::tuple({PyValue::str(address_.object), PyValue::str(std::string(method)),
                           PyValue::tuple(std::move(args)), std::move(kwargs)});
  }
  PX_ASSIGN_OR_RETURN(request.payload, encode_pyro_value(options_.serializer, body));
  PX_ASSIGN_OR_RETURN(PyroMessage reply,
                      exchange(request, Clock::now() + timeout.value_or(options_.call_timeout)));
  if (reply.type != PyroMessageType::kResult) {
    return fail(Status::invalid("pyro: unexpected reply to INVOKE (type {})",
                                static_cast<int>(reply.type)));
  }
  if (reply.sequence != request.sequence) {
    return fail(Status::invalid("pyro: reply sequence {} does not match request {}", reply.sequence,
                                request.sequence));
  }
  PX_ASSIGN_OR_RETURN(PyValue result, decode_pyro_value(reply.serializer, reply.payload));
  if (reply.flags & pyro_flags::kException) return remote_exception_status(result);
  return result;
}

Status PyroConnection::ping() {
  PyroMessage request;
  request.type = PyroMessageType::kPing;
  request.serializer = PyroSerializer::kPing;
  sequence_ = static_cast<uint16_t>(sequence_ + 1);
  request.sequence = sequence_;
  PX_ASSIGN_OR_RETURN(PyroMessage reply, exchange(request, Clock::now() + options_.call_timeout));
  if (reply.type != PyroMessageType::kPing) {
    return fail(
        Status::invalid("pyro: unexpected reply to PING (type {})", static_cast<int>(reply.type)));
  }
  return Status::ok();
}

// ---- PyroProxy ----

PyroProxy::PyroProxy(PyroAddress address, PyroClientOptions options, size_t max_idle)
    : address_(std::move(address)), options_(std::move(options)), max_idle_(max_idle) {}

size_t PyroProxy::idle_connections() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

Result<std::unique_ptr<PyroConnection>> PyroProxy::acquire(bool& reused) {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return connection;
    }
  }
  reused = false;
  return PyroConnection::open(address_, options_);
}

void PyroProxy::release(std::unique_ptr<PyroConnection> connection) {
  if (!connection->usable()) return;
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

Result<PyValue> PyroProxy::call(std::string_view method, std::vector<PyValue> args, PyValue kwargs,
                                std::optional<std::chrono::milliseconds> timeout) {
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    PX_ASSIGN_OR_RETURN(std::unique_ptr<PyroConnection> connection, acquire(reused));
    // Keep the arguments for a retry: only a stale pooled connection is retried, once.
    auto result = connection->call(method, args, kwargs, timeout);
    const bool retry = !result.is_ok() && reused && connection->failed_stale() && attempt == 0;
    release(std::move(connection));
    if (!retry) return result;
  }
}

Status PyroProxy::ping() {
  bool reused = false;
  PX_ASSIGN_OR_RETURN(std::unique_ptr<PyroConnection> connection, acquire(reused));
  Status status = connection->ping();
  if (!status.is_ok() && reused && connection->failed_stale()) {
    PX_ASSIGN_OR_RETURN(connection, PyroConnection::open(address_, options_));
    status = connection->ping();
  }
  release(std::move(connection));
  return status;
}

}  // namespace parallax
