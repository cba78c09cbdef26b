"""PEP 748's value types exactly as the PEP text defines them (its Configuration, Cipher Suites,
Protocol Negotiation, TLS Versions, Certificates, Private Keys, Signing Chain and Trust Store
sections): a module other than unitls, standing in for the PEP's own types. The tests hand
these to unitls's contexts to show that code written against the PEP's types runs unchanged.
Nothing here knows unitls."""

from __future__ import annotations

import os
from collections.abc import Sequence
from enum import Enum, IntEnum


class CipherSuite(IntEnum):
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
    H2 = b"h2"
    H2C = b"h2c"
    HTTP1 = b"http/1.1"
    WEBRTC = b"webrtc"
    C_WEBRTC = b"c-webrtc"
    FTP = b"ftp"
    STUN = b"stun.nat-discovery"
    TURN = b"stun.turn"


class TLSVersion(Enum):
    MINIMUM_SUPPORTED = "MINIMUM_SUPPORTED"
    TLSv1_2 = "TLSv1.2"
    TLSv1_3 = "TLSv1.3"
    MAXIMUM_SUPPORTED = "MAXIMUM_SUPPORTED"


class _Source:
    __slots__ = ("_buffer", "_path", "_id")

    def __init__(self, buffer: bytes | None = None, path: os.PathLike | None = None,
                 id: bytes | None = None):
        self._buffer = buffer
        self._path = path
        self._id = id

    @classmethod
    def from_buffer(cls, buffer: bytes):
        return cls(buffer=buffer)

    @classmethod
    def from_file(cls, path: os.PathLike):
        return cls(path=path)

    @classmethod
    def from_id(cls, id: bytes):
        return cls(id=id)


class Certificate(_Source):
    __slots__ = ()

    def __init__(self, buffer=None, path=None, id=None):
        if buffer is None and path is None and id is None:
            raise ValueError("Certificate cannot be empty.")
        super().__init__(buffer, path, id)


class PrivateKey(_Source):
    __slots__ = ()

    def __init__(self, buffer=None, path=None, id=None):
        if buffer is None and path is None and id is None:
            raise ValueError("PrivateKey cannot be empty.")
        super().__init__(buffer, path, id)


class TrustStore(_Source):
    __slots__ = ()

    @classmethod
    def system(cls) -> TrustStore:
        return cls()


class SigningChain:
    leaf: tuple[Certificate, PrivateKey | None]
    chain: list[Certificate]

    def __init__(self, leaf: tuple[Certificate, PrivateKey | None],
                 chain: Sequence[Certificate] | None = None):
        self.leaf = leaf
        if chain is None:
            chain = []
        self.chain = list(chain)


class _Configuration:
    __slots__ = ("_certificate_chain", "_ciphers", "_inner_protocols",
                 "_lowest_supported_version", "_highest_supported_version", "_trust_store")

    def __init__(self, certificate_chain=None, ciphers=None, inner_protocols=None,
                 lowest_supported_version=None, highest_supported_version=None,
                 trust_store=None) -> None:
        if inner_protocols is None:
            inner_protocols = []
        self._certificate_chain = certificate_chain
        self._ciphers = ciphers
        self._inner_protocols = inner_protocols
        self._lowest_supported_version = lowest_supported_version
        self._highest_supported_version = highest_supported_version
        self._trust_store = trust_store

    @property
    def certificate_chain(self):
        return self._certificate_chain

    @property
    def ciphers(self):
        return self._ciphers

    @property
    def inner_protocols(self):
        return self._inner_protocols

    @property
    def lowest_supported_version(self):
        return self._lowest_supported_version

    @property
    def highest_supported_version(self):
        return self._highest_supported_version

    @property
    def trust_store(self):
        return self._trust_store


class TLSClientConfiguration(_Configuration):
    __slots__ = ()


class TLSServerConfiguration(_Configuration):
    """As the client's, with a Sequence[SigningChain] as certificate_chain."""

    __slots__ = ()
