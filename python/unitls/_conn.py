"""What TLSBuffer and TLSSocket report about a connection, translated from the library's
values to PEP 748's: cipher suites, protocols, versions, peer certificates."""

from __future__ import annotations

import ctypes

from . import _errors, _lib
from ._types import CipherSuite, NextProtocol, TLSVersion

lib = _lib.lib

_VERSIONS = {0x0303: TLSVersion.TLSv1_2, 0x0304: TLSVersion.TLSv1_3}


def cipher(suite: int):
    """None before a handshake, the CipherSuite member, or the raw id the PEP asks for."""
    if suite == 0:
        return None
    try:
        return CipherSuite(suite)
    except ValueError:
        return suite


def borrowed_bytes(fn, obj):
    """Calls fn(obj, &ptr, &len) and copies the borrowed bytes; None when fn says none."""
    ptr = ctypes.POINTER(ctypes.c_uint8)()
    size = ctypes.c_size_t()
    if fn(obj, ctypes.byref(ptr), ctypes.byref(size)) != _lib.OK or not ptr:
        return None
    return ctypes.string_at(ptr, size.value)


def reporting_types(configuration) -> tuple[type, type]:
    """The TLSVersion and NextProtocol enums a connection made from configuration reports in:
    those of the module the caller's value types come from (the enum of a version or protocol
    it set, else the module that defines its configuration class), so that
    ``sock.negotiated_tls_version == TLSVersion.TLSv1_3`` holds with the caller's own
    TLSVersion; unitls's when that module has none."""
    import sys
    from enum import Enum

    version_cls = protocol_cls = None
    for value in (getattr(configuration, "lowest_supported_version", None),
                  getattr(configuration, "highest_supported_version", None)):
        if isinstance(value, Enum) and isinstance(value.value, str):
            version_cls = type(value)
            break
    for value in getattr(configuration, "inner_protocols", None) or ():
        if isinstance(value, Enum) and isinstance(value.value, bytes):
            protocol_cls = type(value)
            break
    module = sys.modules.get(type(configuration).__module__)
    if version_cls is None:
        version_cls = getattr(module, "TLSVersion", None)
    if protocol_cls is None:
        protocol_cls = getattr(module, "NextProtocol", None)
    if not (isinstance(version_cls, type) and issubclass(version_cls, Enum)):
        version_cls = TLSVersion
    if not (isinstance(protocol_cls, type) and issubclass(protocol_cls, Enum)):
        protocol_cls = NextProtocol
    return version_cls, protocol_cls


def _member(cls, value, fallback):
    """cls's member with value, else fallback's, else None."""
    for enum_cls in (cls, fallback):
        try:
            return enum_cls(value)
        except ValueError:
            continue
    return None


def negotiated_protocol(raw: bytes | None, protocol_cls=NextProtocol):
    if raw is None:
        return None
    member = _member(protocol_cls, raw, NextProtocol)
    return raw if member is None else member


def tls_version(value: int, version_cls=TLSVersion):
    """TLSVersion.TLSv1_2 / TLSv1_3, or None before the handshake. A legacy version (only
    reachable through the C insecure API, which this package does not expose) has no PEP
    name: it is an error rather than a silent None."""
    if value == _lib.VERSION_UNSET:
        return None
    try:
        member = _VERSIONS[value]
    except KeyError:
        name = lib.unitls_tls_version_name(value)
        raise _errors.TLSError(f"negotiated {name.decode() if name else hex(value)}, a version "
                               "PEP 748's TLSVersion has no member for") from None
    return _member(version_cls, member.value, TLSVersion)


def buffer_exception(buffer_ptr: int, status: int):
    """The exception for a failed buffer call: the library's last error, and for a failed
    handshake its classification and facts."""
    if status in (_lib.WANT_READ, _lib.WANT_WRITE):
        return _errors.exception(status, _lib.status_name(status))
    err = lib.unitls_buffer_last_error(buffer_ptr).contents
    message = err.text() if err.status != _lib.OK else ""
    reason, facts = handshake_failure(buffer_ptr)
    return _errors.exception(status, message, err.impl_code, reason, facts)


def handshake_failure(buffer_ptr: int):
    """The library's (reason, facts) for a failed handshake, or (None, None)."""
    if not buffer_ptr:
        return None, None
    facts = ctypes.create_string_buffer(512)
    reason = lib.unitls_buffer_handshake_failure(buffer_ptr, facts, len(facts))
    if reason == 0:
        return None, None
    name = lib.unitls_handshake_failure_name(reason)
    return (name.decode() if name else str(reason)), facts.value.decode("ascii", "replace")
