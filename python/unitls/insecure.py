"""PEP 748's insecure module: contexts that do not verify the peer, for tests only.

Everything here warns with SecurityWarning at every step: making an InsecureConfiguration, an
insecure implementation, each insecure context (the library's warning), and each connection
made from one (the library's warning again). Verification is turned off by the library
(insecure.h), not by this module.

    impl = unitls.insecure.implementation("openssl")
    ctx = impl.insecure_client_context(TLSClientConfiguration(),
                                       InsecureConfiguration(disable_verification=True))
"""

from __future__ import annotations

import warnings

from . import _context, _lib
from ._context import ClientContext, ServerContext, TLSImplementation
from ._errors import SecurityWarning

__all__ = ["InsecureClientContext", "InsecureConfiguration", "InsecureServerContext",
           "InsecureTLSImplementation", "SecurityWarning", "implementation"]


class InsecureConfiguration:
    """Insecure options. disable_verification: a client accepts any server certificate (a
    server, any client certificate); disable_hostname_check: a client verifies the chain but
    not that it names the host."""

    __slots__ = ("_disable_verification", "_disable_hostname_check")

    def __init__(self, disable_verification: bool = False,
                 disable_hostname_check: bool = False) -> None:
        warnings.warn("Using InsecureConfiguration is insecure and should not be used in "
                      "production.", SecurityWarning, stacklevel=2)
        object.__setattr__(self, "_disable_verification", bool(disable_verification))
        object.__setattr__(self, "_disable_hostname_check", bool(disable_hostname_check))

    def __setattr__(self, name, value):
        raise AttributeError("InsecureConfiguration is immutable")

    @property
    def disable_verification(self) -> bool:
        return self._disable_verification

    @property
    def disable_hostname_check(self) -> bool:
        return self._disable_hostname_check

    def __eq__(self, other):
        if not isinstance(other, InsecureConfiguration):
            return NotImplemented
        return (self._disable_verification, self._disable_hostname_check) == \
            (other._disable_verification, other._disable_hostname_check)

    def __hash__(self):
        return hash((self._disable_verification, self._disable_hostname_check))


class InsecureClientContext(ClientContext):
    """A client context from a TLS configuration and an InsecureConfiguration."""

    __slots__ = ("_insecure_configuration",)

    def __init__(self, tls_configuration, insecure_configuration: InsecureConfiguration):
        self._insecure_configuration = insecure_configuration
        self._init(tls_configuration, insecure_configuration)

    @property
    def insecure_configuration(self) -> InsecureConfiguration:
        return self._insecure_configuration


class InsecureServerContext(ServerContext):
    """A server context from a TLS configuration and an InsecureConfiguration
    (disable_verification: client certificates are asked for but not verified)."""

    __slots__ = ("_insecure_configuration",)

    def __init__(self, tls_configuration, insecure_configuration: InsecureConfiguration):
        self._insecure_configuration = insecure_configuration
        self._init(tls_configuration, insecure_configuration)

    @property
    def insecure_configuration(self) -> InsecureConfiguration:
        return self._insecure_configuration


class InsecureTLSImplementation(TLSImplementation):
    """A TLSImplementation that also offers insecure_client_context and
    insecure_server_context. Making one warns."""

    __slots__ = ("_insecure_client_context", "_insecure_server_context")

    def __init__(self, client_context, server_context, validate_config,
                 insecure_client_context, insecure_server_context, name=None) -> None:
        warnings.warn("Using an InsecureTLSImplementation is insecure. This should not be "
                      "used in production.", SecurityWarning, stacklevel=3)
        super().__init__(client_context, server_context, validate_config, name)
        self._insecure_client_context = insecure_client_context
        self._insecure_server_context = insecure_server_context

    @property
    def insecure_configuration(self) -> type[InsecureConfiguration]:
        return InsecureConfiguration

    @property
    def insecure_client_context(self):
        return self._insecure_client_context

    @property
    def insecure_server_context(self):
        return self._insecure_server_context

    def __repr__(self):
        return f"<unitls.insecure.InsecureTLSImplementation {self._name}>"


def implementation(name: str | None = None) -> InsecureTLSImplementation:
    """The insecure variant of unitls.implementation(name); warns every time."""
    if name is None:
        name = _lib.lib.unitls_implementation_name(_context._implementation_ptr(None)).decode()
    _context._implementation_ptr(name)  # ValueError naming the built ones when unknown
    from . import implementation as secure_implementation
    secure = secure_implementation(name)
    insecure_client, insecure_server = _context.context_classes(
        name, InsecureClientContext, InsecureServerContext, prefix="Insecure")
    for cls in (insecure_client, insecure_server):
        cls.__module__ = __name__
    return InsecureTLSImplementation(secure.client_context, secure.server_context,
                                     secure.validate_config, insecure_client, insecure_server,
                                     name)
