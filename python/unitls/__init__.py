"""unitls: PEP 748's unified TLS API for Python, over libunitls (ctypes; no compile step, no
dependency outside the standard library).

    import unitls
    impl = unitls.implementation("gnutls")     # or unitls.implementation() for the default
    ctx = impl.client_context(unitls.TLSClientConfiguration())
    with ctx.connect(("example.org", 443)) as sock: ...

unitls.implementations() names the implementations the library was built with. The library is
the installed libunitls.so.0, or the file UNITLS_LIBRARY names.
"""

from . import _lib
from ._buffer import TLSBuffer
from ._context import (ClientContext, ServerContext, TLSImplementation, context_classes,
                       implementation_names, make_validate_config, _implementation_ptr)
from ._errors import ConfigurationError, RaggedEOF, TLSError, WantReadError, WantWriteError
from ._socket import TLSSocket
from ._types import (Certificate, CipherSuite, NextProtocol, PrivateKey, SigningChain,
                     TLSClientConfiguration, TLSServerConfiguration, TLSVersion, TrustStore)

__all__ = [
    "Certificate", "CipherSuite", "ClientContext", "ConfigurationError", "NextProtocol",
    "PrivateKey", "RaggedEOF", "ServerContext", "SigningChain", "TLSBuffer",
    "TLSClientConfiguration", "TLSError", "TLSImplementation", "TLSServerConfiguration",
    "TLSSocket", "TLSVersion", "TrustStore", "WantReadError", "WantWriteError",
    "implementation", "implementations", "library_version",
]

_implementations: dict[str, TLSImplementation] = {}


def implementations() -> list[str]:
    """The names of the implementations libunitls was built with, the default first."""
    return implementation_names()


def implementation(name: str | None = None) -> TLSImplementation:
    """The TLSImplementation called name ("openssl", "gnutls"), or the default one."""
    if name is None:
        name = _lib.lib.unitls_implementation_name(_implementation_ptr(None)).decode()
    found = _implementations.get(name)
    if found is None:
        _implementation_ptr(name)  # ValueError naming the built ones when unknown
        client, server = context_classes(name)
        found = TLSImplementation(client, server, make_validate_config(name), name)
        _implementations[name] = found
    return found


def library_version() -> str:
    """libunitls's version, "MAJOR.MINOR.PATCH"."""
    return _lib.lib.unitls_version().decode()
