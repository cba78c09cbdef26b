"""Translating PEP 748 configurations into libunitls configurations.

Any object shaped as the PEP defines the value types is accepted (same attributes: a
configuration's properties, a SigningChain's leaf and chain, and the _buffer / _path / _id
slots of Certificate, PrivateKey and TrustStore), so code written against the PEP's own classes
runs unchanged. Versions are translated by their PEP value ("TLSv1.2"...), suites by IANA id,
protocols by their bytes. The library validates everything else and names what is wrong.
"""

from __future__ import annotations

import ctypes
import enum
import os

from . import _errors, _lib

lib = _lib.lib


class Handle:
    """One reference to a library object, dropped when this handle goes away."""

    __slots__ = ("ptr", "_unref")

    def __init__(self, ptr: int, unref):
        self.ptr = ptr
        self._unref = unref

    def __del__(self):
        ptr, self.ptr = self.ptr, None
        if ptr:
            self._unref(ptr)


def _material(obj, what: str):
    """The (buffer, path, id) a PEP Certificate, PrivateKey or TrustStore carries."""
    try:
        return obj._buffer, obj._path, obj._id
    except AttributeError:
        raise TypeError(f"{what}: expected a PEP 748 {what} (with _buffer, _path and _id), "
                        f"got {type(obj).__name__}") from None


def _from_source(obj, what: str, prefix: str, system=None) -> Handle:
    buffer, path, ident = _material(obj, what)
    err = _lib.Error()
    if buffer is not None:
        data = bytes(buffer)
        ptr = getattr(lib, prefix + "_from_buffer")(data, len(data), ctypes.byref(err))
    elif path is not None:
        ptr = getattr(lib, prefix + "_from_file")(os.fsencode(path), ctypes.byref(err))
    elif ident is not None:
        data = bytes(ident)
        ptr = getattr(lib, prefix + "_from_id")(data, len(data), ctypes.byref(err))
    elif system is not None:
        ptr = system()
    else:
        # A PEP object whose buffer, path and id are all None (its constructor refuses that,
        # so it was emptied afterwards): a configuration no implementation can use.
        raise _errors.ConfigurationError(f"{what} has no buffer, path or id (empty)",
                                         status="UNITLS_ERR_CONFIGURATION")
    if not ptr:
        raise _errors.from_error(err)
    return Handle(ptr, getattr(lib, prefix + "_unref"))


def certificate(obj) -> Handle:
    return _from_source(obj, "Certificate", "unitls_certificate")


def private_key(obj) -> Handle:
    return _from_source(obj, "PrivateKey", "unitls_private_key")


def trust_store(obj) -> Handle:
    return _from_source(obj, "TrustStore", "unitls_trust_store", lib.unitls_trust_store_system)


def signing_chain(obj) -> Handle:
    try:
        leaf_cert, leaf_key = obj.leaf
        intermediates = list(obj.chain or ())
    except (AttributeError, TypeError, ValueError):
        raise TypeError("expected a PEP 748 SigningChain (leaf: (Certificate, PrivateKey | "
                        f"None), chain: [Certificate]), got {type(obj).__name__}") from None
    leaf = certificate(leaf_cert)
    key = private_key(leaf_key) if leaf_key is not None else None
    chain = [certificate(c) for c in intermediates]
    array = (ctypes.c_void_p * max(len(chain), 1))(*[c.ptr for c in chain])
    err = _lib.Error()
    ptr = lib.unitls_signing_chain_new(leaf.ptr, key.ptr if key else None, array, len(chain),
                                       ctypes.byref(err))
    if not ptr:
        raise _errors.from_error(err)
    return Handle(ptr, lib.unitls_signing_chain_unref)


def tls_version(value) -> int:
    """The C value of a PEP TLSVersion (any Enum whose value is the PEP's name) or None."""
    if value is None:
        return _lib.VERSION_UNSET
    name = value.value if isinstance(value, enum.Enum) else value
    if not isinstance(name, str):
        raise TypeError(f"expected a TLSVersion, got {value!r}")
    out = ctypes.c_int()
    if lib.unitls_tls_version_from_name(name.encode(), ctypes.byref(out)) != _lib.OK:
        raise ValueError(f"unknown TLS version {value!r} (PEP 748 names: MINIMUM_SUPPORTED, "
                         "TLSv1.2, TLSv1.3, MAXIMUM_SUPPORTED)")
    return out.value


def cipher_ids(ciphers) -> ctypes.Array:
    ids = []
    for suite in ciphers:
        if isinstance(suite, bool) or not isinstance(suite, int):
            raise TypeError(f"cipher suites are CipherSuite members or 16-bit ints, "
                            f"got {suite!r}")
        if not 0 <= int(suite) <= 0xFFFF:
            raise ValueError(f"cipher suite {int(suite):#x} is not a 16-bit IANA id")
        ids.append(int(suite))
    return (ctypes.c_uint16 * max(len(ids), 1))(*ids), len(ids)


def protocol_bytes(protocol) -> bytes:
    if isinstance(protocol, (bytes, bytearray, memoryview)):
        return bytes(protocol)
    if isinstance(protocol, enum.Enum) and isinstance(protocol.value, bytes):
        return protocol.value
    raise TypeError(f"inner protocols are NextProtocol members or bytes, got {protocol!r}")


def _apply_common(prefix: str, builder: int, cfg, keep: list) -> None:
    """Sets the fields both sides share; the builder keeps the first error for _build."""
    if cfg.ciphers is not None:
        ids, n = cipher_ids(cfg.ciphers)
        getattr(lib, prefix + "_set_ciphers")(builder, ids, n)
    for protocol in cfg.inner_protocols or ():
        data = protocol_bytes(protocol)
        getattr(lib, prefix + "_add_inner_protocol")(builder, data, len(data))
    lowest = tls_version(cfg.lowest_supported_version)
    if lowest != _lib.VERSION_UNSET:
        getattr(lib, prefix + "_set_lowest_supported_version")(builder, lowest)
    highest = tls_version(cfg.highest_supported_version)
    if highest != _lib.VERSION_UNSET:
        getattr(lib, prefix + "_set_highest_supported_version")(builder, highest)
    if cfg.trust_store is not None:
        store = trust_store(cfg.trust_store)
        keep.append(store)
        getattr(lib, prefix + "_set_trust_store")(builder, store.ptr)


def _build(prefix: str, builder: int, kind: str) -> int:
    err = _lib.Error()
    ptr = getattr(lib, prefix + "_build")(builder, ctypes.byref(err))
    if not ptr:
        raise _errors.from_error(err)
    return ptr


def client_config(cfg, insecure=None) -> Handle:
    """A library client configuration from a PEP TLSClientConfiguration. insecure, when given,
    is the insecure module's configuration (disable_verification, disable_hostname_check)."""
    prefix = "unitls_client_config_builder"
    builder = (lib.unitls_insecure_client_config_builder_new() if insecure is not None
               else lib.unitls_client_config_builder_new())
    if not builder:
        raise MemoryError("unitls: cannot allocate a client configuration builder")
    try:
        keep = []
        _apply_common(prefix, builder, cfg, keep)
        if cfg.certificate_chain is not None:
            chain = signing_chain(cfg.certificate_chain)
            keep.append(chain)
            lib.unitls_client_config_builder_set_certificate_chain(builder, chain.ptr)
        if insecure is not None and getattr(insecure, "disable_verification", False):
            lib.unitls_insecure_client_config_builder_disable_verification(builder)
        if insecure is not None and getattr(insecure, "disable_hostname_check", False):
            lib.unitls_insecure_client_config_builder_disable_hostname_check(builder)
        return Handle(_build(prefix, builder, "client"), lib.unitls_client_config_unref)
    finally:
        lib.unitls_client_config_builder_free(builder)


def server_config(cfg, insecure=None) -> Handle:
    """A library server configuration from a PEP TLSServerConfiguration. A trust store makes
    the server ask for and verify a client certificate (client authentication)."""
    prefix = "unitls_server_config_builder"
    builder = (lib.unitls_insecure_server_config_builder_new() if insecure is not None
               else lib.unitls_server_config_builder_new())
    if not builder:
        raise MemoryError("unitls: cannot allocate a server configuration builder")
    try:
        keep = []
        _apply_common(prefix, builder, cfg, keep)
        chains = cfg.certificate_chain
        if chains is not None and not isinstance(chains, (list, tuple)):
            chains = [chains]
        for chain_obj in chains or ():
            chain = signing_chain(chain_obj)
            keep.append(chain)
            lib.unitls_server_config_builder_add_certificate_chain(builder, chain.ptr)
        unverified = insecure is not None and getattr(insecure, "disable_verification", False)
        if cfg.trust_store is not None:
            # With verification off a client certificate is still asked for, but its absence
            # is no more checked than its validity: the insecure variants "disable
            # certificate validation".
            lib.unitls_server_config_builder_set_client_auth(
                builder, _lib.CLIENT_AUTH_OPTIONAL if unverified else _lib.CLIENT_AUTH_REQUIRED)
        if unverified:
            lib.unitls_insecure_server_config_builder_disable_client_verification(builder)
        return Handle(_build(prefix, builder, "server"), lib.unitls_server_config_unref)
    finally:
        lib.unitls_server_config_builder_free(builder)


def _library_config(cfg):
    from ._types import TLSServerConfiguration
    if isinstance(cfg, TLSServerConfiguration):
        return server_config(cfg), lib.unitls_server_config_equal, lib.unitls_server_config_hash
    return client_config(cfg), lib.unitls_client_config_equal, lib.unitls_client_config_hash


def configurations_equal(a, b) -> bool:
    """The library's content equality; when a configuration cannot be built (a file is
    missing, say) the fields are compared instead."""
    try:
        ca, equal, _ = _library_config(a)
        cb, _, _ = _library_config(b)
    except (_errors.TLSError, ValueError, OSError, TypeError):
        return a._fields() == b._fields()
    return bool(equal(ca.ptr, cb.ptr))


def configuration_hash(cfg) -> int:
    try:
        handle, _, hash_fn = _library_config(cfg)
    except (_errors.TLSError, ValueError, OSError, TypeError):
        return hash(cfg._fields())
    return int(hash_fn(handle.ptr))
