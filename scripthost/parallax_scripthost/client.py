"""A Python client of the script host speaking the connection challenge (wire.py):
`with HostClient("PYRO:parallax.scripthost@127.0.0.1:9090", key) as host: host.run({...})`.
Transport and authentication failures raise Pyro4's CommunicationError (SecurityError for a
bad signature); remote exceptions are raised as the host's builtin exception."""

import socket

import Pyro4.core
from Pyro4 import errors as pyro_errors
from Pyro4 import util as pyro_util

from parallax_scripthost import wire

MAX_REPLY_BYTES = 1 << 31


class HostClient:
    def __init__(self, uri, key, serializer="serpent", timeout=60.0):
        uri = Pyro4.core.URI(uri)
        self._object = uri.object
        self._key = key.encode() if isinstance(key, str) else key
        self._serializer = pyro_util.get_serializer(serializer)
        self._seq = 0
        self._session = None
        self._sock = socket.create_connection((uri.host, uri.port), timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self.metadata = self._handshake()
        except BaseException:
            self.close()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: self.call(name, *args, **kwargs)

    def _read(self, reader):
        try:
            return wire.read_message(self._sock, reader)
        except wire.AuthenticationError as error:
            raise pyro_errors.SecurityError(str(error)) from None
        except (wire.WireError, OSError) as error:
            raise pyro_errors.CommunicationError(str(error)) from None

    def _handshake(self):
        client_nonce = wire.new_nonce() if self._key else None
        data, _ = self._serializer.serializeData({"handshake": "hello", "object": self._object})
        annotations = {"PXNC": client_nonce} if client_nonce else {}
        self._sock.sendall(wire.encode(wire.CONNECT, data, self._serializer.serializer_id,
                                       wire.FLAG_META_ON_CONNECT, 0, annotations, key=self._key))

        def session_of(header, annotations):
            if header.type == wire.CONNECTFAIL:
                # Read unchecked: its reason is all it carries, and the socket closes.
                annotations.pop("HMAC", None)
                reader.key = None
                return None
            if client_nonce and "PXNC" not in annotations:
                raise wire.AuthenticationError("the daemon answered without a challenge "
                                               "(a stock Pyro4 daemon?)")
            if client_nonce:
                return wire.Session(self._key, client_nonce, annotations["PXNC"], False)
            return None

        reader = wire.MessageReader(64 << 10, (wire.CONNECTOK, wire.CONNECTFAIL),
                                    key=self._key, on_annotations=session_of)
        reply = self._read(reader)
        body = pyro_util.get_serializer_by_id(reply.serializer_id).deserializeData(
            reply.data, reply.flags & wire.FLAG_COMPRESSED)
        if reply.type == wire.CONNECTFAIL:
            raise pyro_errors.CommunicationError("connection to the script host refused: %s" % body)
        self._session = reader.session
        return body.get("meta") if isinstance(body, dict) else None

    def call(self, method, *args, **kwargs):
        self._seq = (self._seq + 1) & 0xFFFF
        data, _ = self._serializer.serializeCall(self._object, method, args, kwargs)
        try:
            self._sock.sendall(wire.encode(wire.INVOKE, data, self._serializer.serializer_id, 0,
                                           self._seq, key=self._key, session=self._session))
        except OSError as error:
            raise pyro_errors.CommunicationError(str(error)) from None
        reply = self._read(wire.MessageReader(MAX_REPLY_BYTES, (wire.RESULT,), key=self._key,
                                              session=self._session))
        if reply.seq != self._seq:
            raise pyro_errors.ProtocolError("reply sequence out of sync")
        result = self._serializer.deserializeData(reply.data, reply.flags & wire.FLAG_COMPRESSED)
        if reply.flags & wire.FLAG_EXCEPTION:
            raise result
        return result
