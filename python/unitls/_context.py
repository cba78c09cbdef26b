"""ClientContext and ServerContext (unitls_client_context, unitls_server_context), and
TLSImplementation: one per implementation libunitls was built with.

A context is made from a PEP configuration, which the library validates and prepares once;
the context then makes TLSBuffer and TLSSocket objects. Each implementation has its own
context classes (subclasses of ClientContext and ServerContext naming it), so that
``implementation.client_context(config)`` works as the PEP shows.
"""

from __future__ import annotations

import ctypes

from . import _config, _conn, _errors, _lib
from ._buffer import TLSBuffer
from ._socket import DEFAULT_BACKLOG, TLSSocket
from ._types import TLSServerConfiguration

lib = _lib.lib


def _implementation_ptr(name: str | None) -> int:
    if name is None:
        return lib.unitls_implementation_default()
    ptr = lib.unitls_implementation_find(name.encode())
    if not ptr:
        raise ValueError(f"unitls: no implementation {name!r} in this libunitls (built: "
                         f"{', '.join(implementation_names())})")
    return ptr


def implementation_names() -> list[str]:
    names = []
    i = 0
    while True:
        ptr = lib.unitls_implementation_at(i)
        if not ptr:
            return names
        names.append(lib.unitls_implementation_name(ptr).decode())
        i += 1


def _address(address) -> tuple[str | None, int]:
    try:
        host, port = address
    except (TypeError, ValueError):
        raise TypeError(f"address is a (host, port) pair, got {address!r}") from None
    if not isinstance(port, int) or not 0 <= port <= 0xFFFF:
        raise ValueError(f"port must be an int from 0 to 65535, got {port!r}")
    return host, port


def _new_context(new_fn, impl_ptr: int, cfg: _config.Handle, unref) -> _config.Handle:
    err = _lib.Error()
    ptr = new_fn(impl_ptr, cfg.ptr, ctypes.byref(err))
    _lib.issue_warnings(_errors.SecurityWarning, stacklevel=4)
    if not ptr:
        raise _errors.from_error(err)
    return _config.Handle(ptr, unref)


class ClientContext:
    """Makes client connections from a TLSClientConfiguration, with the default
    implementation (or the one of the TLSImplementation whose client_context this is)."""

    __slots__ = ("_configuration", "_handle", "_reporting", "__weakref__")
    _implementation_name: str | None = None

    def __init__(self, configuration) -> None:
        self._init(configuration, None)

    def _init(self, configuration, insecure) -> None:
        self._configuration = configuration
        self._reporting = _conn.reporting_types(configuration)
        cfg = _config.client_config(configuration, insecure)
        self._handle = _new_context(lib.unitls_client_context_new,
                                    _implementation_ptr(self._implementation_name), cfg,
                                    lib.unitls_client_context_unref)

    @property
    def configuration(self):
        return self._configuration

    def connect(self, address: tuple[str | None, int]) -> TLSSocket:
        """Connects to address, completes the handshake (SNI and verification against the host
        name), and returns a non-blocking TLSSocket."""
        host, port = _address(address)
        if host is None:
            raise ValueError("connect: a client needs a host name to connect to and verify")
        err = _lib.Error()
        ptr = lib.unitls_client_context_connect(self._handle.ptr, host.encode(), port,
                                                ctypes.byref(err))
        _lib.issue_warnings(_errors.SecurityWarning)
        if not ptr:
            raise _errors.from_error(err)
        return TLSSocket._wrap(ptr, self, blocking=False)

    def create_buffer(self, server_hostname: str) -> TLSBuffer:
        """A buffer for one connection to server_hostname (sent as SNI and verified)."""
        err = _lib.Error()
        name = None if server_hostname is None else server_hostname.encode()
        ptr = lib.unitls_client_context_create_buffer(self._handle.ptr, name,
                                                      ctypes.byref(err))
        _lib.issue_warnings(_errors.SecurityWarning)
        if not ptr:
            raise _errors.from_error(err)
        return TLSBuffer._wrap(ptr, self)


class ServerContext:
    """Serves connections from a TLSServerConfiguration."""

    __slots__ = ("_configuration", "_handle", "_reporting", "__weakref__")
    _implementation_name: str | None = None

    def __init__(self, configuration) -> None:
        self._init(configuration, None)

    def _init(self, configuration, insecure) -> None:
        self._configuration = configuration
        self._reporting = _conn.reporting_types(configuration)
        cfg = _config.server_config(configuration, insecure)
        self._handle = _new_context(lib.unitls_server_context_new,
                                    _implementation_ptr(self._implementation_name), cfg,
                                    lib.unitls_server_context_unref)

    @property
    def configuration(self):
        return self._configuration

    def connect(self, address: tuple[str | None, int]) -> TLSSocket:
        """Binds address (host None: every address; port 0: any) and listens. The listener is
        non-blocking, as the PEP's reference's is: accept() raises BlockingIOError when no
        client is waiting, and otherwise completes the client's handshake before returning."""
        host, port = _address(address)
        err = _lib.Error()
        ptr = lib.unitls_server_context_listen(self._handle.ptr,
                                               None if host is None else host.encode(), port,
                                               DEFAULT_BACKLOG, ctypes.byref(err))
        if not ptr:
            raise _errors.from_error(err)
        return TLSSocket._wrap(ptr, self, blocking=False)

    def create_buffer(self) -> TLSBuffer:
        err = _lib.Error()
        ptr = lib.unitls_server_context_create_buffer(self._handle.ptr, ctypes.byref(err))
        _lib.issue_warnings(_errors.SecurityWarning)
        if not ptr:
            raise _errors.from_error(err)
        return TLSBuffer._wrap(ptr, self)


def _is_server_configuration(cfg) -> bool:
    if isinstance(cfg, TLSServerConfiguration):
        return True
    return "Server" in type(cfg).__name__


def make_validate_config(name: str):
    """The PEP's validate_config for one implementation: ConfigurationError naming the first
    constructor, suite or version the implementation cannot use."""

    def validate_config(config) -> None:
        impl = _implementation_ptr(name)
        err = _lib.Error()
        if _is_server_configuration(config):
            handle = _config.server_config(config)
            status = lib.unitls_implementation_validate_server_config(impl, handle.ptr,
                                                                      ctypes.byref(err))
        else:
            handle = _config.client_config(config)
            status = lib.unitls_implementation_validate_client_config(impl, handle.ptr,
                                                                      ctypes.byref(err))
        _errors.check(status, err, f"validate_config ({name})")

    validate_config.__qualname__ = validate_config.__name__ = f"validate_config_{name}"
    return validate_config


def context_classes(name: str, client_base=ClientContext, server_base=ServerContext,
                    prefix: str = ""):
    """The client and server context classes bound to implementation name."""
    title = prefix + name.capitalize()
    client = type(f"{title}ClientContext", (client_base,),
                  {"__slots__": (), "_implementation_name": name,
                   "__module__": "unitls"})
    server = type(f"{title}ServerContext", (server_base,),
                  {"__slots__": (), "_implementation_name": name,
                   "__module__": "unitls"})
    return client, server


class TLSImplementation:
    """PEP 748's TLSImplementation: the context classes and validate_config of one
    implementation. ``name`` and ``description`` are added to the PEP."""

    __slots__ = ("_client_context", "_server_context", "_validate_config", "_name")

    def __init__(self, client_context, server_context, validate_config, name=None) -> None:
        self._client_context = client_context
        self._server_context = server_context
        self._validate_config = validate_config
        self._name = name

    @property
    def client_context(self):
        return self._client_context

    @property
    def server_context(self):
        return self._server_context

    @property
    def validate_config(self):
        return self._validate_config

    @property
    def name(self) -> str | None:
        return self._name

    @property
    def description(self) -> str:
        """The library's one line on what the implementation supports."""
        return lib.unitls_implementation_description(_implementation_ptr(self._name)).decode()

    def __repr__(self):
        return f"<unitls.TLSImplementation {self._name}>"
