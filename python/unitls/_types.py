"""PEP 748's value types: TLSVersion, CipherSuite, NextProtocol, Certificate, PrivateKey,
SigningChain, TrustStore and the two configurations, with the PEP's constructors and
attributes.

They only say what a connection should use; the library reads and checks the material when a
context is made from a configuration. Configurations are immutable and compare by content as
libunitls does (unitls_*_config_equal and _hash: every field, and the bytes of every
referenced file at the time of the comparison), so they can key a dict.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from enum import Enum, IntEnum


class TLSVersion(Enum):
    """TLS versions. MINIMUM_SUPPORTED and MAXIMUM_SUPPORTED are open ended: the lowest and
    highest versions the implementation supports."""

    MINIMUM_SUPPORTED = "MINIMUM_SUPPORTED"
    TLSv1_2 = "TLSv1.2"
    TLSv1_3 = "TLSv1.3"
    MAXIMUM_SUPPORTED = "MAXIMUM_SUPPORTED"


class CipherSuite(IntEnum):
    """Known cipher suites by IANA id."""

    TLS_AES_128_GCM_SHA256 = 0x1301
    TLS_AES_256_GCM_SHA384 = 0x1302
    TLS_CHACHA20_POLY1305_SHA256 = 0x1303
    TLS_AES_128_CCM_SHA256 = 0x1304
    TLS_AES_128_CCM_8_SHA256 = 0x1305
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B
    TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02C
    TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xC02F
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xC030
    TLS_ECDHE_ECDSA_WITH_AES_128_CCM = 0xC0AC
    TLS_ECDHE_ECDSA_WITH_AES_256_CCM = 0xC0AD
    TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 = 0xC0AE
    TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8 = 0xC0AF
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA8
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA9


class NextProtocol(Enum):
    """The underlying negotiated ("next") protocol."""

    H2 = b"h2"
    H2C = b"h2c"
    HTTP1 = b"http/1.1"
    WEBRTC = b"webrtc"
    C_WEBRTC = b"c-webrtc"
    FTP = b"ftp"
    STUN = b"stun.nat-discovery"
    TURN = b"stun.turn"


class _Frozen:
    """Refuses attribute assignment once __init__ has set the slots."""

    __slots__ = ()

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _set(self, name, value):
        object.__setattr__(self, name, value)


class _Source(_Frozen):
    """A buffer, a path or an id: where a certificate, key or trust store comes from."""

    __slots__ = ("_buffer", "_path", "_id")

    def __init__(self, buffer: bytes | None = None, path: os.PathLike | None = None,
                 id: bytes | None = None):
        self._set("_buffer", None if buffer is None else bytes(buffer))
        self._set("_path", path)
        self._set("_id", None if id is None else bytes(id))

    @classmethod
    def from_buffer(cls, buffer: bytes):
        return cls(buffer=buffer)

    @classmethod
    def from_file(cls, path: os.PathLike):
        return cls(path=path)

    @classmethod
    def from_id(cls, id: bytes):
        return cls(id=id)

    def _key(self):
        path = None if self._path is None else os.fspath(self._path)
        return (type(self).__name__, self._buffer, path, self._id)

    def __eq__(self, other):
        if not isinstance(other, _Source):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self):
        return hash(self._key())

    def __repr__(self):
        if self._path is not None:
            return f"{type(self).__name__}.from_file({os.fspath(self._path)!r})"
        if self._id is not None:
            return f"{type(self).__name__}.from_id(...)"
        if self._buffer is not None:
            return f"{type(self).__name__}.from_buffer(<{len(self._buffer)} bytes>)"
        return f"{type(self).__name__}.system()"


class Certificate(_Source):
    """A certificate (PEM or DER) from a buffer, a file or an implementation-defined id."""

    __slots__ = ()

    def __init__(self, buffer=None, path=None, id=None):
        if buffer is None and path is None and id is None:
            raise ValueError("Certificate cannot be empty.")
        super().__init__(buffer, path, id)


class PrivateKey(_Source):
    """A private key (PEM or DER) from a buffer, a file or an implementation-defined id."""

    __slots__ = ()

    def __init__(self, buffer=None, path=None, id=None):
        if buffer is None and path is None and id is None:
            raise ValueError("PrivateKey cannot be empty.")
        super().__init__(buffer, path, id)


class TrustStore(_Source):
    """The certificates that verify the peer; with no argument, the system's trust store."""

    __slots__ = ()

    @classmethod
    def system(cls) -> TrustStore:
        return cls()


class SigningChain(_Frozen):
    """A leaf certificate with its key (None when the leaf's material holds it) and the
    intermediates, in order."""

    __slots__ = ("_leaf", "_chain")

    def __init__(self, leaf: tuple[Certificate, PrivateKey | None],
                 chain: Sequence[Certificate] | None = None):
        leaf = tuple(leaf)
        if len(leaf) != 2:
            raise ValueError("SigningChain leaf is a (Certificate, PrivateKey | None) pair")
        self._set("_leaf", leaf)
        self._set("_chain", tuple(chain) if chain is not None else ())

    @property
    def leaf(self) -> tuple[Certificate, PrivateKey | None]:
        return self._leaf

    @property
    def chain(self) -> list[Certificate]:
        return list(self._chain)

    def __eq__(self, other):
        if not isinstance(other, SigningChain):
            return NotImplemented
        return self._leaf == other._leaf and self._chain == other._chain

    def __hash__(self):
        return hash((self._leaf, self._chain))

    def __repr__(self):
        return f"SigningChain(leaf={self._leaf!r}, chain={list(self._chain)!r})"


class _Configuration(_Frozen):
    """What both configurations share; equality and hash come from the library."""

    __slots__ = ("_certificate_chain", "_ciphers", "_inner_protocols",
                 "_lowest_supported_version", "_highest_supported_version", "_trust_store")

    def __init__(self, certificate_chain, ciphers, inner_protocols, lowest_supported_version,
                 highest_supported_version, trust_store):
        self._set("_certificate_chain", certificate_chain)
        self._set("_ciphers", None if ciphers is None else tuple(ciphers))
        self._set("_inner_protocols", tuple(inner_protocols) if inner_protocols else ())
        self._set("_lowest_supported_version", lowest_supported_version)
        self._set("_highest_supported_version", highest_supported_version)
        self._set("_trust_store", trust_store)

    @property
    def ciphers(self) -> Sequence[CipherSuite | int] | None:
        return self._ciphers

    @property
    def inner_protocols(self) -> Sequence[NextProtocol | bytes]:
        return self._inner_protocols

    @property
    def lowest_supported_version(self) -> TLSVersion | None:
        return self._lowest_supported_version

    @property
    def highest_supported_version(self) -> TLSVersion | None:
        return self._highest_supported_version

    @property
    def trust_store(self) -> TrustStore | None:
        return self._trust_store

    def _fields(self):
        return (type(self).__name__, self._certificate_chain, self._ciphers,
                self._inner_protocols, self._lowest_supported_version,
                self._highest_supported_version, self._trust_store)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        from . import _config
        return _config.configurations_equal(self, other)

    def __hash__(self):
        from . import _config
        return _config.configuration_hash(self)


class TLSClientConfiguration(_Configuration):
    """A client's TLS configuration (immutable)."""

    __slots__ = ()

    def __init__(self, certificate_chain: SigningChain | None = None,
                 ciphers: Sequence[CipherSuite | int] | None = None,
                 inner_protocols: Sequence[NextProtocol | bytes] | None = None,
                 lowest_supported_version: TLSVersion | None = None,
                 highest_supported_version: TLSVersion | None = None,
                 trust_store: TrustStore | None = None) -> None:
        super().__init__(certificate_chain, ciphers, inner_protocols, lowest_supported_version,
                         highest_supported_version, trust_store)

    @property
    def certificate_chain(self) -> SigningChain | None:
        return self._certificate_chain

    def __repr__(self):
        return "TLSClientConfiguration(%r, %r, %r, %r, %r, %r)" % self._fields()[1:]


class TLSServerConfiguration(_Configuration):
    """A server's TLS configuration (immutable): one signing chain per name or key type."""

    __slots__ = ()

    def __init__(self, certificate_chain: Sequence[SigningChain] | None = None,
                 ciphers: Sequence[CipherSuite | int] | None = None,
                 inner_protocols: Sequence[NextProtocol | bytes] | None = None,
                 lowest_supported_version: TLSVersion | None = None,
                 highest_supported_version: TLSVersion | None = None,
                 trust_store: TrustStore | None = None) -> None:
        chains = None if certificate_chain is None else tuple(certificate_chain)
        super().__init__(chains, ciphers, inner_protocols, lowest_supported_version,
                         highest_supported_version, trust_store)

    @property
    def certificate_chain(self) -> Sequence[SigningChain] | None:
        return self._certificate_chain

    def __repr__(self):
        return "TLSServerConfiguration(%r, %r, %r, %r, %r, %r)" % self._fields()[1:]
