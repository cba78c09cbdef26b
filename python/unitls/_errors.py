"""PEP 748's exceptions, and the translation of a libunitls status into them.

The library decides what went wrong; this module only picks the matching Python exception and
keeps the library's message (for a failed handshake, its explanation: what the peer offered,
what this side allowed, the alert) as the exception's text.
"""

from . import _lib


class TLSError(Exception):
    """The base exception for all TLS related errors from any implementation.

    ``status`` is the library's status name (``"UNITLS_ERR_TLS"``...); after a failed
    handshake ``reason`` and ``facts`` hold the library's classification of the failure
    (``"version"``, ``"cipher"``...) and its facts as ``key=value`` pairs; all are None when
    not known.
    """

    def __init__(self, *args, status=None, reason=None, facts=None):
        super().__init__(*args)
        self.status = status
        self.reason = reason
        self.facts = facts


class WantWriteError(TLSError):
    """The operation cannot complete until more data is written to the network, or until the
    output buffer is drained."""


class WantReadError(TLSError):
    """The operation cannot complete until more data is read from the network, or until more
    data is available in the input buffer."""


class RaggedEOF(TLSError):
    """The TLS connection was closed without a close_notify from the peer."""


class ConfigurationError(TLSError):
    """The configuration uses a feature the implementation does not support."""


class SecurityWarning(Warning):
    """Warning regarding the insecurity caused by the use of unitls.insecure."""


# Shown as unitls.TLSError (where users import them from), not unitls._errors.TLSError.
for _cls in (TLSError, WantWriteError, WantReadError, RaggedEOF, ConfigurationError):
    _cls.__module__ = "unitls"
SecurityWarning.__module__ = "unitls.insecure"
del _cls

_BY_STATUS = {
    _lib.WANT_READ: WantReadError,
    _lib.WANT_WRITE: WantWriteError,
    _lib.RAGGED_EOF: RaggedEOF,
    _lib.ERR_CONFIGURATION: ConfigurationError,
    _lib.ERR_TLS: TLSError,
    _lib.ERR_CERTIFICATE: TLSError,
}


def exception(status: int, message: str, impl_code: int = 0, reason=None, facts=None):
    """The exception for a failed call's status and message (not raised)."""
    name = _lib.status_name(status)
    if not message:
        message = name
    if status == _lib.ERR_NOMEM:
        return MemoryError(message)
    if status == _lib.ERR_IO:
        # The library's message already names the operation and the system's words.
        if impl_code > 0:
            return OSError(impl_code, message)
        return OSError(message)
    if status == _lib.ERR_INVALID:
        return ValueError(message)
    cls = _BY_STATUS.get(status, TLSError)
    return cls(message, status=name, reason=reason, facts=facts)


def from_error(err: "_lib.Error"):
    """The exception for a filled unitls_error record."""
    return exception(err.status, err.text(), err.impl_code)


def check(status: int, err: "_lib.Error", what: str) -> None:
    """Raises for a status other than OK; what names the call when the library said nothing."""
    if status == _lib.OK:
        return
    if err.status == _lib.OK or not err.message:
        raise exception(status, f"{what}: {_lib.status_name(status)}")
    raise exception(status, err.text(), err.impl_code)
