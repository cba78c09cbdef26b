"""TLSSocket: a TCP connection protected by TLS (unitls_socket), as PEP 748's reference socket
behaves: the TCP connection and the handshake complete inside the context's connect (or the
listener's accept); after that the socket is non-blocking, and recv, send and close raise
WantReadError / WantWriteError instead of waiting. The listener is non-blocking too: accept
raises BlockingIOError when no client is waiting. The library does the I/O and the TLS; this
module only translates."""

from __future__ import annotations

import ctypes
import errno

from . import _conn, _errors, _lib

lib = _lib.lib

DEFAULT_BACKLOG = 128


def _address(fn, ptr) -> tuple[str | None, int]:
    out = _lib.Address()
    if fn(ptr, ctypes.byref(out)) != _lib.OK:
        raise OSError("unitls: the socket has no address (closed?)")
    return out.host.decode("ascii"), out.port


class TLSSocket:
    """A socket-like TLS connection, or a listening socket; made by a context's connect (not
    by the user)."""

    __slots__ = ("_ptr", "_context", "__weakref__")

    def __init__(self, *args, **kwargs):
        raise TypeError("TLSSocket objects are made by ClientContext.connect() or "
                        "ServerContext.connect(), not constructed directly")

    @classmethod
    def _wrap(cls, ptr: int, context, blocking: bool) -> TLSSocket:
        self = object.__new__(cls)
        self._ptr = ptr
        self._context = context
        if not blocking:
            self._call(lib.unitls_socket_set_blocking, 0)
        return self

    def _free(self):
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr:
            lib.unitls_socket_free(ptr)

    __del__ = _free

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close(force=True)

    def _call(self, fn, *args) -> None:
        err = _lib.Error()
        status = fn(self._ptr, *args, ctypes.byref(err))
        if status != _lib.OK:
            self._raise(status, err)

    def _raise(self, status: int, err: "_lib.Error"):
        if status in (_lib.ERR_TLS, _lib.ERR_CERTIFICATE):
            buffer = lib.unitls_socket_buffer(self._ptr)
            reason, facts = _conn.handshake_failure(buffer)
            raise _errors.exception(status, err.text(), err.impl_code, reason, facts)
        _errors.check(status, err, "unitls socket")

    def recv(self, bufsize: int) -> bytes:
        """Up to bufsize bytes; b"" once the peer's close_notify arrived. RaggedEOF when the
        TCP stream ended without one; WantReadError / WantWriteError when it would block."""
        if bufsize < 0:
            raise ValueError("recv: bufsize must not be negative")
        dst = ctypes.create_string_buffer(max(bufsize, 1))
        n = ctypes.c_size_t()
        err = _lib.Error()
        status = lib.unitls_socket_recv(self._ptr, dst, bufsize, ctypes.byref(n),
                                        ctypes.byref(err))
        if status != _lib.OK:
            self._raise(status, err)
        return dst.raw[:n.value]

    def send(self, bytes) -> int:
        """Sends what fits without waiting and returns the count; WantWriteError when nothing
        fits."""
        data = memoryview(bytes).cast("B").tobytes()
        n = ctypes.c_size_t()
        err = _lib.Error()
        status = lib.unitls_socket_send(self._ptr, data, len(data), ctypes.byref(n),
                                        ctypes.byref(err))
        if status != _lib.OK and n.value == 0:
            self._raise(status, err)
        return n.value

    def sendall(self, data) -> None:
        """Added to PEP 748 for convenience: sends every byte, waiting (with select) while the
        socket reports WantWriteError / WantReadError."""
        import select
        view = memoryview(data).cast("B")
        while view:
            try:
                view = view[self.send(view):]
            except _errors.WantWriteError:
                select.select([], [self.fileno()], [])
            except _errors.WantReadError:
                select.select([self.fileno()], [], [])

    def close(self, force: bool = False) -> None:
        """force: sends close_notify if that needs no waiting and closes at once. Otherwise
        sends close_notify and raises WantReadError until the peer's arrives (WantWriteError
        while ours cannot be sent); the socket stays open until this returns."""
        if self._ptr:
            self._call(lib.unitls_socket_close, 1 if force else 0)

    def listen(self, backlog: int) -> None:
        self._call(lib.unitls_socket_listen, backlog)

    def accept(self) -> tuple[TLSSocket, tuple[str | None, int]]:
        """As PEP 748's reference listener (a non-blocking ssl.SSLSocket) does: BlockingIOError
        at once when no connection is waiting; otherwise accepts one and completes its
        handshake before returning, waiting for the client as long as it takes (TLSError when
        the handshake fails; the listener stays usable). The new socket is non-blocking, like
        one from connect. Wait for a client with select on fileno()."""
        peer = _lib.Address()
        err = _lib.Error()
        ptr = lib.unitls_socket_accept(self._ptr, ctypes.byref(peer), ctypes.byref(err))
        _lib.issue_warnings(_errors.SecurityWarning)
        if not ptr:
            if err.status == _lib.WANT_READ:
                raise BlockingIOError(errno.EAGAIN, err.text() or "accept: no connection "
                                      "is waiting")
            raise _errors.from_error(err)
        # The library leaves a non-blocking listener's connection non-blocking and before its
        # handshake; the reference runs the handshake in accept, blocking, so do we.
        conn = TLSSocket._wrap(ptr, self._context, blocking=True)
        try:
            conn._call(lib.unitls_socket_set_blocking, 1)
            conn._call(lib.unitls_socket_do_handshake)
            conn._call(lib.unitls_socket_set_blocking, 0)
        except BaseException:
            conn._free()
            raise
        return conn, (peer.host.decode("ascii"), peer.port)

    def getsockname(self) -> tuple[str | None, int]:
        return _address(lib.unitls_socket_getsockname, self._ptr)

    def getpeername(self) -> tuple[str | None, int]:
        return _address(lib.unitls_socket_getpeername, self._ptr)

    def getpeercert(self) -> bytes | None:
        return _conn.borrowed_bytes(lib.unitls_socket_getpeercert, self._ptr)

    def fileno(self) -> int:
        """The descriptor (for select and event loops); -1 after close."""
        return lib.unitls_socket_fileno(self._ptr)

    @property
    def context(self):
        return self._context

    def cipher(self):
        return _conn.cipher(lib.unitls_socket_cipher(self._ptr))

    def negotiated_protocol(self):
        return _conn.negotiated_protocol(
            _conn.borrowed_bytes(lib.unitls_socket_negotiated_protocol, self._ptr),
            self._context._reporting[1])

    @property
    def negotiated_tls_version(self):
        return _conn.tls_version(lib.unitls_socket_negotiated_tls_version(self._ptr),
                                 self._context._reporting[0])
