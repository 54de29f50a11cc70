"""Arrow tables through files instead of the Pyro4 payload, for clients on the same machine.

Sending a 100k-row table inside a Pyro4 message costs base64 on both ends, an HMAC over
megabytes, serpent or json parsing of a megabyte-long string literal and two socket copies,
each way. A client that can see this host's exchange directory (it reads the directory's
`host-id` and finds the id `info()` gave it) writes its Arrow input there and sends only the
file's name; the reply names a file the host wrote there, which the client reads and deletes.

The directory is private to the host's user (0700). A request can name only a plain file
directly inside it (no path, no link), which is read and deleted at once; names are random,
so one client cannot guess another's. Workers never see the directory: the bytes still reach
them through their pipe, so nothing here gives a script anything new."""

import os
import re
import secrets
import stat
import time

NAME = re.compile(r"[A-Za-z0-9_-]{16,100}\.arrow")
STALE_SECONDS = 3600  # files a client never came back for


class ExchangeError(ValueError):
    pass


class Exchange:
    def __init__(self, root, max_bytes):
        self.path = os.path.join(root, "exchange")
        os.mkdir(self.path, 0o700)
        self.max_bytes = max_bytes
        self.id = secrets.token_hex(16)
        self.taken = self.given = 0  # files, shown by info()
        self._dir = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        descriptor = os.open("host-id", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600,
                             dir_fd=self._dir)
        with os.fdopen(descriptor, "w") as out:
            out.write(self.id)

    def describe(self):
        return {"dir": self.path, "id": self.id, "taken": self.taken, "given": self.given}

    def take(self, name):
        """The bytes of the client's file `name`, which is deleted."""
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise ExchangeError("'arrow_input_file' must be a file name like "
                                "<16-100 letters, digits, _ or ->.arrow")
        try:
            descriptor = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC,
                                 dir_fd=self._dir)
        except OSError as error:
            raise ExchangeError("cannot open the input file %s in the exchange directory: %s"
                                % (name, error.strerror)) from None
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise ExchangeError("the input %s is not a plain file" % name)
            os.unlink(name, dir_fd=self._dir)
            if info.st_size > self.max_bytes:
                raise ExchangeError("the input file is larger than %d MB" % (self.max_bytes >> 20))
            with os.fdopen(descriptor, "rb", closefd=False) as source:
                data = source.read()
            self.taken += 1
            return data
        except OSError as error:
            raise ExchangeError("cannot read the input file %s: %s" % (name, error.strerror)) from None
        finally:
            os.close(descriptor)

    def put(self, data):
        """Writes `data` to a new file and returns its name (the client deletes it)."""
        self._sweep()
        name = secrets.token_hex(16) + ".arrow"
        descriptor = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                             | os.O_CLOEXEC, 0o600, dir_fd=self._dir)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
        self.given += 1
        return name

    def _sweep(self):
        limit = time.time() - STALE_SECONDS
        for entry in os.scandir(self._dir):
            if not NAME.fullmatch(entry.name):
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime < limit:
                    os.unlink(entry.name, dir_fd=self._dir)
            except OSError:
                pass  # taken meanwhile

    def close(self):
        os.close(self._dir)
