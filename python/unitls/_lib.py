"""Loading libunitls and declaring the C functions this package calls.

The library is the installed ``libunitls.so.0``, or the file named by the ``UNITLS_LIBRARY``
environment variable (the build tree's tests set it). Every function the package calls is
declared here with its argument and result types, so a wrong call fails in ctypes instead of
corrupting memory. Nothing here decides TLS behaviour: this module only translates.
"""

import ctypes
import os
import threading
import warnings

LIBRARY_ENV = "UNITLS_LIBRARY"
LIBRARY_SONAME = "libunitls.so.0"

# enum unitls_status (status.h)
OK = 0
WANT_READ = 1
WANT_WRITE = 2
RAGGED_EOF = 3
ERR_CONFIGURATION = 4
ERR_TLS = 5
ERR_CERTIFICATE = 6
ERR_INVALID = 7
ERR_NOMEM = 8
ERR_IO = 9

# enum unitls_tls_version (versions.h)
VERSION_UNSET = 0

# enum unitls_object_kind (implementation.h) and enum unitls_source (credentials.h)
OBJECT_CERTIFICATE = 0
OBJECT_PRIVATE_KEY = 1
OBJECT_TRUST_STORE = 2
SOURCE_BUFFER = 1 << 0
SOURCE_FILE = 1 << 1
SOURCE_ID = 1 << 2
SOURCE_SYSTEM = 1 << 3

# enum unitls_client_auth (config.h)
CLIENT_AUTH_NONE = 0
CLIENT_AUTH_OPTIONAL = 1
CLIENT_AUTH_REQUIRED = 2

ERROR_MESSAGE_SIZE = 256
ADDRESS_MAX = 64


class Error(ctypes.Structure):
    """struct unitls_error: a status, a message naming the cause, the implementation's code."""

    _fields_ = [
        ("status", ctypes.c_int),
        ("message", ctypes.c_char * ERROR_MESSAGE_SIZE),
        ("impl_code", ctypes.c_long),
    ]

    def text(self) -> str:
        return self.message.decode("utf-8", "replace")


class Address(ctypes.Structure):
    """struct unitls_address: a numeric host string and a port."""

    _fields_ = [("host", ctypes.c_char * ADDRESS_MAX), ("port", ctypes.c_uint16)]


WARNING_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p)

_p = ctypes.c_void_p
_size = ctypes.c_size_t
_u16 = ctypes.c_uint16
_int = ctypes.c_int
_str = ctypes.c_char_p
_status = ctypes.c_int
_err = ctypes.POINTER(Error)
_psize = ctypes.POINTER(ctypes.c_size_t)
_pu8 = ctypes.POINTER(ctypes.c_uint8)
_ppu8 = ctypes.POINTER(_pu8)
_pu16 = ctypes.POINTER(ctypes.c_uint16)

# name: (restype, argtypes)
_PROTOTYPES = {
    "unitls_version": (_str, []),
    "unitls_status_name": (_str, [_status]),
    "unitls_set_warning_handler": (None, [WARNING_HANDLER, _p]),
    # versions, ciphers, protocols
    "unitls_tls_version_name": (_str, [_int]),
    "unitls_tls_version_from_name": (_status, [_str, ctypes.POINTER(ctypes.c_int)]),
    "unitls_cipher_suite_name": (_str, [_u16]),
    # implementations
    "unitls_implementation_default": (_p, []),
    "unitls_implementation_find": (_p, [_str]),
    "unitls_implementation_at": (_p, [_size]),
    "unitls_implementation_name": (_str, [_p]),
    "unitls_implementation_description": (_str, [_p]),
    "unitls_implementation_supported_sources": (ctypes.c_uint, [_p, _int]),
    "unitls_implementation_validate_client_config": (_status, [_p, _p, _err]),
    "unitls_implementation_validate_server_config": (_status, [_p, _p, _err]),
    # credentials
    "unitls_certificate_from_buffer": (_p, [_p, _size, _err]),
    "unitls_certificate_from_file": (_p, [_str, _err]),
    "unitls_certificate_from_id": (_p, [_p, _size, _err]),
    "unitls_certificate_unref": (None, [_p]),
    "unitls_private_key_from_buffer": (_p, [_p, _size, _err]),
    "unitls_private_key_from_file": (_p, [_str, _err]),
    "unitls_private_key_from_id": (_p, [_p, _size, _err]),
    "unitls_private_key_unref": (None, [_p]),
    "unitls_trust_store_system": (_p, []),
    "unitls_trust_store_from_buffer": (_p, [_p, _size, _err]),
    "unitls_trust_store_from_file": (_p, [_str, _err]),
    "unitls_trust_store_from_id": (_p, [_p, _size, _err]),
    "unitls_trust_store_unref": (None, [_p]),
    "unitls_signing_chain_new": (_p, [_p, _p, ctypes.POINTER(_p), _size, _err]),
    "unitls_signing_chain_unref": (None, [_p]),
    # client configurations
    "unitls_client_config_builder_new": (_p, []),
    "unitls_client_config_builder_free": (None, [_p]),
    "unitls_client_config_builder_set_certificate_chain": (_status, [_p, _p]),
    "unitls_client_config_builder_set_ciphers": (_status, [_p, _pu16, _size]),
    "unitls_client_config_builder_add_inner_protocol": (_status, [_p, _p, _size]),
    "unitls_client_config_builder_set_lowest_supported_version": (_status, [_p, _int]),
    "unitls_client_config_builder_set_highest_supported_version": (_status, [_p, _int]),
    "unitls_client_config_builder_set_trust_store": (_status, [_p, _p]),
    "unitls_client_config_builder_build": (_p, [_p, _err]),
    "unitls_client_config_unref": (None, [_p]),
    "unitls_client_config_equal": (_int, [_p, _p]),
    "unitls_client_config_hash": (ctypes.c_uint64, [_p]),
    # server configurations
    "unitls_server_config_builder_new": (_p, []),
    "unitls_server_config_builder_free": (None, [_p]),
    "unitls_server_config_builder_add_certificate_chain": (_status, [_p, _p]),
    "unitls_server_config_builder_set_ciphers": (_status, [_p, _pu16, _size]),
    "unitls_server_config_builder_add_inner_protocol": (_status, [_p, _p, _size]),
    "unitls_server_config_builder_set_lowest_supported_version": (_status, [_p, _int]),
    "unitls_server_config_builder_set_highest_supported_version": (_status, [_p, _int]),
    "unitls_server_config_builder_set_trust_store": (_status, [_p, _p]),
    "unitls_server_config_builder_set_client_auth": (_status, [_p, _int]),
    "unitls_server_config_builder_build": (_p, [_p, _err]),
    "unitls_server_config_unref": (None, [_p]),
    "unitls_server_config_equal": (_int, [_p, _p]),
    "unitls_server_config_hash": (ctypes.c_uint64, [_p]),
    # insecure.h
    "unitls_insecure_client_config_builder_new": (_p, []),
    "unitls_insecure_server_config_builder_new": (_p, []),
    "unitls_insecure_client_config_builder_disable_verification": (_status, [_p]),
    "unitls_insecure_client_config_builder_disable_hostname_check": (_status, [_p]),
    "unitls_insecure_server_config_builder_disable_client_verification": (_status, [_p]),
    # contexts
    "unitls_client_context_new": (_p, [_p, _p, _err]),
    "unitls_client_context_unref": (None, [_p]),
    "unitls_client_context_create_buffer": (_p, [_p, _str, _err]),
    "unitls_client_context_connect": (_p, [_p, _str, _u16, _err]),
    "unitls_server_context_new": (_p, [_p, _p, _err]),
    "unitls_server_context_unref": (None, [_p]),
    "unitls_server_context_create_buffer": (_p, [_p, _err]),
    "unitls_server_context_listen": (_p, [_p, _str, _u16, _int, _err]),
    # buffers
    "unitls_buffer_do_handshake": (_status, [_p]),
    "unitls_buffer_read": (_status, [_p, _p, _size, _psize]),
    "unitls_buffer_write": (_status, [_p, _p, _size, _psize]),
    "unitls_buffer_shutdown": (_status, [_p]),
    "unitls_buffer_process_incoming": (_status, [_p, _p, _size]),
    "unitls_buffer_process_incoming_eof": (_status, [_p]),
    "unitls_buffer_incoming_bytes_buffered": (_size, [_p]),
    "unitls_buffer_process_outgoing": (_size, [_p, _p, _size]),
    "unitls_buffer_outgoing_bytes_buffered": (_size, [_p]),
    "unitls_buffer_getpeercert": (_status, [_p, _ppu8, _psize]),
    "unitls_buffer_cipher": (_u16, [_p]),
    "unitls_buffer_negotiated_protocol": (_status, [_p, _ppu8, _psize]),
    "unitls_buffer_negotiated_tls_version": (_int, [_p]),
    "unitls_buffer_server_name": (_str, [_p]),
    "unitls_buffer_last_error": (_err, [_p]),
    "unitls_buffer_handshake_failure": (_int, [_p, ctypes.c_char_p, _size]),
    "unitls_handshake_failure_name": (_str, [_int]),
    "unitls_buffer_free": (None, [_p]),
    # sockets
    "unitls_socket_recv": (_status, [_p, _p, _size, _psize, _err]),
    "unitls_socket_send": (_status, [_p, _p, _size, _psize, _err]),
    "unitls_socket_close": (_status, [_p, _int, _err]),
    "unitls_socket_do_handshake": (_status, [_p, _err]),
    "unitls_socket_set_blocking": (_status, [_p, _int, _err]),
    "unitls_socket_listen": (_status, [_p, _int, _err]),
    "unitls_socket_accept": (_p, [_p, ctypes.POINTER(Address), _err]),
    "unitls_socket_getsockname": (_status, [_p, ctypes.POINTER(Address)]),
    "unitls_socket_getpeername": (_status, [_p, ctypes.POINTER(Address)]),
    "unitls_socket_getpeercert": (_status, [_p, _ppu8, _psize]),
    "unitls_socket_cipher": (_u16, [_p]),
    "unitls_socket_negotiated_protocol": (_status, [_p, _ppu8, _psize]),
    "unitls_socket_negotiated_tls_version": (_int, [_p]),
    "unitls_socket_buffer": (_p, [_p]),
    "unitls_socket_fileno": (_int, [_p]),
    "unitls_socket_free": (None, [_p]),
}


def _load() -> ctypes.CDLL:
    path = os.environ.get(LIBRARY_ENV) or LIBRARY_SONAME
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        where = f"{LIBRARY_ENV}={path}" if os.environ.get(LIBRARY_ENV) else f"the installed {path}"
        raise ImportError(f"unitls: cannot load libunitls ({where}): {e}") from e
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as e:
            raise ImportError(f"unitls: {path} lacks {name}: the library is older than this "
                              f"package") from e
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


lib = _load()


# Security warnings: the library reports them through one process-wide handler. The handler
# only queues the message for the calling thread; the Python call that caused it then issues
# warnings.warn, so that warning filters (including "error") behave as for any Python warning
# instead of being swallowed inside a C callback.
_pending = threading.local()


def _on_warning(category: int, message: bytes, arg) -> None:
    queue = getattr(_pending, "messages", None)
    if queue is None:
        queue = _pending.messages = []
    queue.append(message.decode("utf-8", "replace") if message else "")


_warning_handler = WARNING_HANDLER(_on_warning)
lib.unitls_set_warning_handler(_warning_handler, None)


def issue_warnings(category: type, stacklevel: int = 3) -> None:
    """Turns the library's queued warnings for this thread into Python warnings."""
    queue = getattr(_pending, "messages", None)
    if not queue:
        return
    _pending.messages = []
    for message in queue:
        warnings.warn(message, category, stacklevel=stacklevel)


def status_name(status: int) -> str:
    return lib.unitls_status_name(status).decode()
