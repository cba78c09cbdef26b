"""TLSSocket over loopback: against openssl s_server and gnutls-serv, and against a server
context of the other implementation. As with PEP 748's reference socket, connect and accept
complete TCP and the handshake; recv, send and close then do not block. The listener does not
block either: accept raises BlockingIOError when no client is waiting."""

import hashlib
import os
import select
import socket
import struct
import time

import pytest

from unitls import (NextProtocol, RaggedEOF, TLSError, TLSVersion, WantReadError,
                    WantWriteError)

from conftest import (ThreadedAccept, accept_waiting, assert_handshake_failure, chain, client_config,
                      server_config, trust)

WAIT = 10.0


def wait_readable(sock):
    ready, _, _ = select.select([sock.fileno()], [], [], WAIT)
    assert ready, "nothing arrived in time"


def recv_some(sock, n=65536):
    """recv, waiting (bounded) while it raises WantReadError."""
    for _ in range(100):
        try:
            return sock.recv(n)
        except WantReadError:
            wait_readable(sock)
    raise AssertionError("recv kept wanting to read")


def recv_exact(sock, n):
    got = b""
    while len(got) < n:
        chunk = recv_some(sock, n - len(got))
        assert chunk, f"clean end after {len(got)} of {n} bytes"
        got += chunk
    return got


def send_all(sock, data):
    """send, waiting (bounded) while it raises WantWriteError / WantReadError."""
    view = memoryview(data)
    for _ in range(1000):
        if not view:
            return
        try:
            view = view[sock.send(view):]
        except WantWriteError:
            select.select([], [sock.fileno()], [], WAIT)
        except WantReadError:
            wait_readable(sock)
    raise AssertionError("send did not complete")


def close_gracefully(sock):
    for _ in range(100):
        try:
            sock.close()
            return
        except WantReadError:
            wait_readable(sock)
        except WantWriteError:
            select.select([], [sock.fileno()], [], WAIT)
    raise AssertionError("close did not complete")


def pair(client_impl, server_impl, certs, ccfg=None, scfg=None, host="127.0.0.1"):
    listener = server_impl.server_context(scfg or server_config(certs)).connect(
        ("127.0.0.1", 0))
    port = listener.getsockname()[1]  # before the accepting thread owns the listener
    acceptor = ThreadedAccept(listener)
    client = client_impl.client_context(ccfg or client_config(certs)).connect((host, port))
    return listener, client, acceptor.result()


@pytest.mark.parametrize("tool", ["openssl", "gnutls-serv"])
@pytest.mark.parametrize("version", [TLSVersion.TLSv1_2, TLSVersion.TLSv1_3])
def test_against_external_server(impl, certs, external_server, tool, version):
    extra = ["-rev"] if tool == "openssl" else []
    port = external_server(tool, *extra)
    ccfg = client_config(certs, lowest_supported_version=version,
                         highest_supported_version=version)
    sock = impl.client_context(ccfg).connect(("127.0.0.1", port))
    assert sock.negotiated_tls_version is version
    assert sock.getpeercert() == (certs / "localhost.der").read_bytes()
    assert sock.getpeername()[1] == port
    assert sock.cipher() is not None
    send_all(sock, b"hello\n")
    expected = b"olleh\n" if tool == "openssl" else b"hello\n"
    assert recv_exact(sock, len(expected)) == expected
    sock.close(force=True)
    assert sock.cipher() is None and sock.negotiated_tls_version is None


def test_against_the_other_implementation(impl, other_impl, certs):
    scfg = server_config(certs, inner_protocols=[NextProtocol.H2])
    ccfg = client_config(certs, inner_protocols=[b"x-other", NextProtocol.H2])
    listener, client, conn = pair(impl, other_impl, certs, ccfg, scfg)
    assert client.negotiated_protocol() is NextProtocol.H2
    assert conn.negotiated_protocol() is NextProtocol.H2
    assert client.cipher() == conn.cipher()
    assert conn.context is listener.context
    assert client.getsockname() == conn.getpeername()
    with pytest.raises(WantReadError):
        client.recv(10)
    send_all(conn, b"from the server")
    assert recv_exact(client, 15) == b"from the server"
    send_all(client, b"from the client")
    assert recv_exact(conn, 15) == b"from the client"
    # A graceful close: WantReadError until the peer's close_notify, then a zero return.
    with pytest.raises(WantReadError):
        client.close()
    assert recv_some(conn) == b""
    close_gracefully(conn)
    close_gracefully(client)
    listener.close()


def test_client_authentication_over_sockets(impl, other_impl, certs):
    scfg = server_config(certs, trust_store=trust(certs, "client-ca"))
    ccfg = client_config(certs, certificate_chain=chain(certs, "client"))
    listener, client, conn = pair(impl, other_impl, certs, ccfg, scfg)
    assert conn.getpeercert() == (certs / "client.der").read_bytes()
    client.close(force=True)
    conn.close(force=True)
    listener.close()


def test_ragged_eof(impl, other_impl, certs):
    listener, client, conn = pair(impl, other_impl, certs)
    # The server's TCP stream ends without a close_notify.
    raw = socket.socket(fileno=os.dup(conn.fileno()))
    raw.shutdown(socket.SHUT_RDWR)
    raw.close()
    with pytest.raises(RaggedEOF):
        for _ in range(100):
            recv_some(client)
    client.close(force=True)
    conn.close(force=True)
    listener.close()


def test_want_write_on_a_large_non_blocking_send(impl, other_impl, certs):
    listener, client, conn = pair(impl, other_impl, certs)
    chunk = os.urandom(65536)
    sent, received = hashlib.sha256(), hashlib.sha256()
    n_sent = n_received = 0
    # The peer reads nothing: sending soon fills both kernel buffers. 10,000 chunks (640 MiB)
    # are far beyond any socket buffer.
    with pytest.raises(WantWriteError):
        for _ in range(10000):
            n = client.send(chunk)
            sent.update(chunk[:n])
            n_sent += n
    assert n_sent > 0
    # The peer now reads everything; ciphertext the kernel did not take is still queued in the
    # client's socket, and goes out as the client is called again (recv flushes it first).
    for _ in range(100000):
        if n_received == n_sent:
            break
        try:
            client.recv(1)
        except (WantReadError, WantWriteError):
            pass
        try:
            data = conn.recv(65536)
        except WantReadError:
            select.select([conn.fileno()], [], [], 0.1)
            continue
        assert data, "the connection ended early"
        received.update(data)
        n_received += len(data)
    assert n_received == n_sent and received.digest() == sent.digest()
    client.close(force=True)
    conn.close(force=True)
    listener.close()


def test_failed_handshake_reads_as_a_sentence(impl, certs, external_server):
    # A server limited to TLS 1.2, a client requiring 1.3: the TLSError's message is the
    # library's explanation, naming both, not a bare reset.
    port = external_server("openssl", "-tls1_2")
    ccfg = client_config(certs, lowest_supported_version=TLSVersion.TLSv1_3)
    with pytest.raises(TLSError) as failure:
        impl.client_context(ccfg).connect(("127.0.0.1", port))
    assert_handshake_failure(failure)
    text = str(failure.value)
    assert "TLS 1.2" in text or "TLSv1.2" in text, text
    assert "TLS 1.3" in text or "TLSv1.3" in text, text


def test_untrusted_server_is_refused(impl, certs, external_server):
    port = external_server("gnutls-serv")
    ccfg = client_config(certs, trust_store=trust(certs, "client-ca"))
    with pytest.raises(TLSError) as failure:
        impl.client_context(ccfg).connect(("127.0.0.1", port))
    assert_handshake_failure(failure)


def test_connect_refused_is_an_os_error(impl, certs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        with pytest.raises(OSError):
            impl.client_context(client_config(certs)).connect(("127.0.0.1", port))


def test_listener_does_not_block(impl, other_impl, certs):
    listener = impl.server_context(server_config(certs)).connect(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(BlockingIOError):
        listener.accept()
    assert time.monotonic() - start < WAIT / 2
    assert select.select([listener.fileno()], [], [], 0)[0] == []
    acceptor = ThreadedAccept(listener)
    client = other_impl.client_context(client_config(certs)).connect(("127.0.0.1", port))
    conn = acceptor.result()
    # accept returned with the handshake done, the new socket non-blocking.
    assert conn.negotiated_tls_version is client.negotiated_tls_version is not None
    assert conn.cipher() == client.cipher()
    with pytest.raises(WantReadError):
        conn.recv(10)
    # The listener is still non-blocking once a connection was taken.
    with pytest.raises(BlockingIOError):
        listener.accept()
    client.close(force=True)
    conn.close(force=True)
    listener.close()


def test_failed_handshake_in_accept(impl, other_impl, certs):
    # A client that speaks no TLS: accept raises TLSError, and the listener serves on.
    listener = impl.server_context(server_config(certs)).connect(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    with socket.socket(fileno=os.dup(listener.fileno())) as raw:
        # Bounds the handshake in accept (the accepted socket inherits the timeout).
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("ll", int(WAIT), 0))
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as plain:
        plain.sendall(b"GET / HTTP/1.0\r\n\r\n" * 20)
        with pytest.raises(TLSError) as failure:
            accept_waiting(listener, WAIT)
    assert_handshake_failure(failure)
    # As from a socket's recv or send, the library's reason is there to ask.
    assert failure.value.reason == "not_tls", (failure.value.reason, str(failure.value))
    with pytest.raises(BlockingIOError):
        listener.accept()
    acceptor = ThreadedAccept(listener)
    client = other_impl.client_context(client_config(certs)).connect(("127.0.0.1", port))
    conn = acceptor.result()
    send_all(client, b"still serving")
    assert recv_exact(conn, 13) == b"still serving"
    client.close(force=True)
    conn.close(force=True)
    listener.close()
