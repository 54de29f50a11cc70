"""Pyro4 messages (protocol 48) and Parallax's connection challenge, shared by the host's
server and the Python client.

A stock Pyro4 HMAC covers one message alone, so a recorded request can be sent again on any
connection. Here each connection gets a session key from both sides' fresh nonces:

  CONNECT     client -> host: annotation PXNC (16 random bytes), HMAC with the shared key
  CONNECTOK   host -> client: annotation PXNC (16 random bytes of the host's), signed with
              session = HMAC-SHA256(key, SESSION_LABEL + client nonce + host nonce)
  then every message, both ways, carries
    PXHD = HMAC-SHA256(session, direction + 8-byte message counter + the 24 header bytes)
    HMAC = Pyro4's HMAC-SHA1 (payload, then the other annotations sorted by id), with session
  Counters start at 0 in each direction (the host's CONNECTOK is its message 0). PXHD is
  checked as soon as the annotations are in, so a peer without the session key never gets
  its payload read; the counter refuses a message replayed, reordered or dropped within a
  connection, the session a message from another one.
"""

import hashlib
import hmac
import os
import struct

HEADER = struct.Struct("!4sHHHHiHHHH")
HEADER_SIZE = HEADER.size
PROTOCOL_VERSION = 48
CHECKSUM_MAGIC = 0x34E9

CONNECT, CONNECTOK, CONNECTFAIL, INVOKE, RESULT, PING = 1, 2, 3, 4, 5, 6
FLAG_EXCEPTION = 0x01
FLAG_COMPRESSED = 0x02
FLAG_ONEWAY = 0x04
FLAG_BATCH = 0x08
FLAG_META_ON_CONNECT = 0x10
FLAG_KEEPSERIALIZED = 0x40
MARSHAL_SERIALIZER = 3

NONCE_BYTES = 16
SESSION_LABEL = b"parallax pyro4 session v1"
TO_HOST, TO_CLIENT = b"C>H", b"H>C"


class WireError(Exception):
    """Bad framing or authentication: the connection is closed."""


class AuthenticationError(WireError):
    pass


def checksum(msg_type, flags, seq, data_size, serializer_id, annotations_size):
    return (msg_type + PROTOCOL_VERSION + data_size + annotations_size + serializer_id + flags
            + seq + CHECKSUM_MAGIC) & 0xFFFF


class Header:
    __slots__ = ("type", "flags", "seq", "data_size", "serializer_id", "annotations_size", "raw")

    def __init__(self, raw):
        tag, version, self.type, self.flags, self.seq, self.data_size, self.serializer_id, \
            self.annotations_size, _, check = HEADER.unpack(raw)
        if tag != b"PYRO" or version != PROTOCOL_VERSION:
            raise WireError("not a Pyro4 protocol %d message" % PROTOCOL_VERSION)
        if check != checksum(self.type, self.flags, self.seq, self.data_size,
                             self.serializer_id, self.annotations_size):
            raise WireError("header checksum mismatch")
        if self.data_size < 0:
            raise WireError("negative payload size")
        self.raw = bytes(raw)


class Message:
    __slots__ = ("type", "flags", "seq", "serializer_id", "annotations", "data")

    def __init__(self, msg_type, flags, seq, serializer_id, annotations, data):
        self.type, self.flags, self.seq = msg_type, flags, seq
        self.serializer_id, self.annotations, self.data = serializer_id, annotations, data


def new_nonce():
    return os.urandom(NONCE_BYTES)


def payload_mac(key, data, annotations):
    """Pyro4's HMAC annotation: HMAC-SHA1 of the payload then the other annotation values."""
    mac = hmac.new(key, data, hashlib.sha1)
    for name in sorted(annotations):
        if name != "HMAC":
            mac.update(annotations[name])
    return mac.digest()


class Session:
    """The keys and message counters of one challenged connection."""

    def __init__(self, key, client_nonce, host_nonce, is_host):
        if len(client_nonce) != NONCE_BYTES or len(host_nonce) != NONCE_BYTES:
            raise AuthenticationError("connection nonce of the wrong size")
        self.key = hmac.new(key, SESSION_LABEL + client_nonce + host_nonce,
                            hashlib.sha256).digest()
        self._send_direction, self._receive_direction = \
            (TO_CLIENT, TO_HOST) if is_host else (TO_HOST, TO_CLIENT)
        self._sent = 0
        self._received = 0

    def _header_mac(self, direction, counter, header):
        return hmac.new(self.key, direction + counter.to_bytes(8, "big") + header,
                        hashlib.sha256).digest()

    def sign_header(self, header):
        mac = self._header_mac(self._send_direction, self._sent, header)
        self._sent += 1
        return mac

    def check_header(self, header, mac):
        expected = self._header_mac(self._receive_direction, self._received, header)
        self._received += 1
        if mac is None or not hmac.compare_digest(mac, expected):
            raise AuthenticationError("message not signed for this connection")


HEADER_MAC_BYTES = 32
PAYLOAD_MAC_BYTES = 20


def encode(msg_type, data, serializer_id, flags=0, seq=0, annotations=None, key=None,
           session=None):
    """The bytes of one message. With a session: PXHD and HMAC from its key; else with a key:
    Pyro4's HMAC; else unsigned."""
    annotations = {name: value for name, value in (annotations or {}).items()
                   if name not in ("HMAC", "PXHD")}
    mac_key = session.key if session else key
    size = sum(6 + len(value) for value in annotations.values())
    size += (6 + HEADER_MAC_BYTES if session else 0) + (6 + PAYLOAD_MAC_BYTES if mac_key else 0)
    header = HEADER.pack(b"PYRO", PROTOCOL_VERSION, msg_type, flags, seq, len(data),
                         serializer_id, size, 0,
                         checksum(msg_type, flags, seq, len(data), serializer_id, size))
    if session:
        annotations["PXHD"] = session.sign_header(header)
    if mac_key:
        annotations["HMAC"] = payload_mac(mac_key, data, annotations)
    parts = [header]
    for name, value in sorted(annotations.items()):
        parts.append(struct.pack("!4sH", name.encode("ascii"), len(value)))
        parts.append(value)
    parts.append(data)
    return b"".join(parts)


def parse_annotations(raw):
    annotations = {}
    at = 0
    while at < len(raw):
        if len(raw) - at < 6:
            raise WireError("truncated annotation")
        name, length = struct.unpack_from("!4sH", raw, at)
        at += 6
        if len(raw) - at < length:
            raise WireError("truncated annotation")
        try:
            annotations[name.decode("ascii")] = bytes(raw[at:at + length])
        except UnicodeDecodeError:
            raise WireError("annotation id is not ASCII") from None
        at += length
    return annotations


class MessageReader:
    """Reads one message in stages, fed by a blocking or a non-blocking socket: `need()` bytes
    at most go into `feed()`. Limits and authentication are checked as early as possible:
    the size and type with the header, PXHD (with a session) with the annotations, so no
    payload is read from an unauthenticated peer; the payload HMAC at the end.

    `on_annotations(header, annotations)` may return the session to check the message with
    (the client learns it from the CONNECTOK's annotations)."""

    def __init__(self, max_size, types, key=None, session=None, on_annotations=None):
        self.max_size = max_size
        self.types = types
        self.key = key
        self.session = session
        self.on_annotations = on_annotations
        self.header = None
        self.annotations = None
        self._buffer = bytearray()
        self._stage_size = HEADER_SIZE
        self._payload = None  # preallocated once the header is authenticated
        self._filled = 0

    @property
    def started(self):
        return self.header is not None or bool(self._buffer)

    def need(self):
        if self._payload is not None:
            return len(self._payload) - self._filled
        return self._stage_size - len(self._buffer)

    def receive(self, sock, limit=1 << 20):
        """Reads at most `limit` bytes of the current stage from `sock`; returns the Message
        once complete, else None. Raises ConnectionError at EOF, OSError, WireError."""
        if self._payload is None:
            chunk = sock.recv(min(max(self.need(), 1), limit))
            if not chunk:
                raise ConnectionError("connection closed by the peer")
            return self.feed(chunk)
        view = memoryview(self._payload)[self._filled:]
        count = sock.recv_into(view, min(len(view), limit))
        if count == 0:
            raise ConnectionError("connection closed by the peer")
        self._filled += count
        return self._finish() if self._filled == len(self._payload) else None

    def feed(self, chunk):
        """Returns the Message once complete, else None. Raises WireError."""
        self._buffer += chunk
        while len(self._buffer) >= self._stage_size:
            if self.header is None:
                self._read_header()
            elif self.annotations is None:
                self._read_annotations()
            else:
                return self._finish()
        return None

    def _read_header(self):
        header = Header(self._buffer)
        if header.type not in self.types:
            raise WireError("unexpected message type %d" % header.type)
        if header.data_size + header.annotations_size > self.max_size:
            raise WireError("message of %d bytes exceeds the limit of %d"
                            % (header.data_size + header.annotations_size, self.max_size))
        self.header = header
        self._buffer = bytearray()
        self._stage_size = header.annotations_size
        if self._stage_size == 0:
            self._read_annotations()

    def _read_annotations(self):
        self.annotations = parse_annotations(self._buffer)
        if self.on_annotations:
            self.session = self.on_annotations(self.header, self.annotations) or self.session
        if self.session:
            self.session.check_header(self.header.raw, self.annotations.get("PXHD"))
        elif self.key and "HMAC" not in self.annotations:
            raise AuthenticationError("message without HMAC (the peer has no key?)")
        elif not self.key and "HMAC" in self.annotations:
            raise AuthenticationError("message with an HMAC but this side has no key")
        self._buffer = bytearray()
        self._stage_size = self.header.data_size
        if self.session and self.header.data_size:
            # The size is signed for this connection: read straight into one buffer.
            self._payload = bytearray(self.header.data_size)

    def _finish(self):
        data = self._payload if self._payload is not None else self._buffer
        mac_key = self.session.key if self.session else self.key
        if mac_key:
            signature = self.annotations.get("HMAC", b"")
            if not hmac.compare_digest(signature, payload_mac(mac_key, data, self.annotations)):
                raise AuthenticationError("message hmac mismatch")
        header = self.header
        return Message(header.type, header.flags, header.seq, header.serializer_id,
                       self.annotations, data)


def read_message(sock, reader):
    """Reads one whole message from a blocking socket."""
    while True:
        message = reader.receive(sock)
        if message is not None:
            return message
