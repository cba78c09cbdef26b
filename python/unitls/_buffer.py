"""TLSBuffer: one TLS connection over in-memory I/O (unitls_buffer). Bytes from the network
enter with process_incoming, bytes for the network leave with process_outgoing; the library
runs TLS in between and says, with WantReadError or WantWriteError, which way a call is
stuck."""

from __future__ import annotations

import ctypes

from . import _conn, _lib

lib = _lib.lib


class TLSBuffer:
    """An in-memory TLS channel, made by a context's create_buffer (not by the user)."""

    __slots__ = ("_ptr", "_context", "__weakref__")

    def __init__(self, *args, **kwargs):
        raise TypeError("TLSBuffer objects are made by ClientContext.create_buffer() or "
                        "ServerContext.create_buffer(), not constructed directly")

    @classmethod
    def _wrap(cls, ptr: int, context) -> TLSBuffer:
        self = object.__new__(cls)
        self._ptr = ptr
        self._context = context
        return self

    def __del__(self):
        ptr, self._ptr = getattr(self, "_ptr", None), None
        if ptr:
            lib.unitls_buffer_free(ptr)

    def _raise(self, status: int):
        raise _conn.buffer_exception(self._ptr, status)

    def read(self, amt: int, buffer=None) -> bytes | int:
        """Up to amt bytes of plaintext (b"" once the peer's close_notify arrived), or, with
        buffer, the count written into it. RaggedEOF when the transport ended without one."""
        if amt < 0:
            raise ValueError("read: amt must not be negative")
        if buffer is not None:
            view = memoryview(buffer).cast("B")
            amt = min(amt, len(view)) if amt else len(view)
        dst = ctypes.create_string_buffer(max(amt, 1))
        n = ctypes.c_size_t()
        status = lib.unitls_buffer_read(self._ptr, dst, amt, ctypes.byref(n))
        if status != _lib.OK:
            self._raise(status)
        data = dst.raw[:n.value]
        if buffer is None:
            return data
        view[:n.value] = data
        return n.value

    def write(self, buf) -> int:
        """Encrypts buf into the outgoing store; returns how many bytes were taken."""
        data = bytes(memoryview(buf).cast("B"))
        n = ctypes.c_size_t()
        status = lib.unitls_buffer_write(self._ptr, data, len(data), ctypes.byref(n))
        if status != _lib.OK:
            self._raise(status)
        return n.value

    def do_handshake(self) -> None:
        """Runs the handshake, certificate and hostname verification included."""
        status = lib.unitls_buffer_do_handshake(self._ptr)
        if status != _lib.OK:
            self._raise(status)

    def shutdown(self) -> None:
        """Sends close_notify; WantReadError while the peer's is still to come."""
        status = lib.unitls_buffer_shutdown(self._ptr)
        if status != _lib.OK:
            self._raise(status)

    def process_incoming(self, data_from_network: bytes) -> None:
        """Stores bytes from the network; WantReadError, storing nothing, when they do not fit
        until read() makes room."""
        data = bytes(data_from_network)
        status = lib.unitls_buffer_process_incoming(self._ptr, data, len(data))
        if status != _lib.OK:
            self._raise(status)

    def process_incoming_eof(self) -> None:
        """Added to PEP 748: the transport reached EOF, no more bytes will come. A read then
        tells a clean end (b"") from a ragged one (RaggedEOF)."""
        status = lib.unitls_buffer_process_incoming_eof(self._ptr)
        if status != _lib.OK:
            self._raise(status)

    def incoming_bytes_buffered(self) -> int:
        return lib.unitls_buffer_incoming_bytes_buffered(self._ptr)

    def process_outgoing(self, amount_bytes_for_network: int) -> bytes:
        """Takes up to amount_bytes_for_network bytes for the network (all of them when the
        amount is negative, as ssl.MemoryBIO.read(-1))."""
        amount = amount_bytes_for_network
        if amount < 0:
            amount = self.outgoing_bytes_buffered()
        dst = ctypes.create_string_buffer(max(amount, 1))
        n = lib.unitls_buffer_process_outgoing(self._ptr, dst, amount)
        return dst.raw[:n]

    def outgoing_bytes_buffered(self) -> int:
        return lib.unitls_buffer_outgoing_bytes_buffered(self._ptr)

    def getpeercert(self) -> bytes | None:
        """The peer's leaf certificate as DER, or None."""
        return _conn.borrowed_bytes(lib.unitls_buffer_getpeercert, self._ptr)

    def cipher(self):
        return _conn.cipher(lib.unitls_buffer_cipher(self._ptr))

    def negotiated_protocol(self):
        return _conn.negotiated_protocol(
            _conn.borrowed_bytes(lib.unitls_buffer_negotiated_protocol, self._ptr),
            self._context._reporting[1])

    @property
    def negotiated_tls_version(self):
        return _conn.tls_version(lib.unitls_buffer_negotiated_tls_version(self._ptr),
                                 self._context._reporting[0])

    @property
    def context(self):
        return self._context

    @property
    def server_name(self) -> str | None:
        """Added to PEP 748: the SNI name the client sent (server) or asked for (client)."""
        name = lib.unitls_buffer_server_name(self._ptr)
        return name.decode("ascii", "replace") if name else None
