"""Fixtures for the unitls suite, written from PEP 748's text.

The implementation under test is UNITLS_TEST_IMPL (tests/python/run-pytest.sh sets it once per
built implementation; unset: the default). Certificates come from UNITLS_TEST_CERTS (the build
tree's tests/certs, made by tests/gen-certs.sh).
"""

import os
import pathlib
import select
import shutil
import socket
import struct
import subprocess
import threading
import time

import pytest

import unitls
from unitls import (Certificate, PrivateKey, RaggedEOF, SigningChain, TLSClientConfiguration,
                    TLSServerConfiguration, TrustStore, WantReadError, WantWriteError)

HANDSHAKE_ROUNDS = 20


@pytest.fixture(scope="session")
def impl_name():
    return os.environ.get("UNITLS_TEST_IMPL") or unitls.implementations()[0]


@pytest.fixture(scope="session")
def impl(impl_name):
    return unitls.implementation(impl_name)


@pytest.fixture(scope="session")
def other_impl(impl_name):
    """The other built implementation (the same one when only one is built)."""
    others = [n for n in unitls.implementations() if n != impl_name]
    return unitls.implementation(others[0] if others else impl_name)


@pytest.fixture(scope="session")
def certs():
    where = os.environ.get("UNITLS_TEST_CERTS")
    if not where or not pathlib.Path(where, "ca.pem").is_file():
        pytest.fail("UNITLS_TEST_CERTS must name the test PKI (tests/gen-certs.sh DIR)")
    return pathlib.Path(where)


def chain(certs, name):
    return SigningChain((Certificate.from_file(certs / f"{name}.pem"),
                         PrivateKey.from_file(certs / f"{name}.key")))


def trust(certs, name="ca"):
    return TrustStore.from_file(certs / f"{name}.pem")


def server_config(certs, names=("localhost",), **kw):
    return TLSServerConfiguration(certificate_chain=[chain(certs, n) for n in names], **kw)


def client_config(certs, **kw):
    kw.setdefault("trust_store", trust(certs))
    return TLSClientConfiguration(**kw)


def pump(a, b):
    """Moves every pending byte between two buffers, both ways."""
    b.process_incoming(a.process_outgoing(a.outgoing_bytes_buffered()))
    a.process_incoming(b.process_outgoing(b.outgoing_bytes_buffered()))


def handshake(client, server):
    """Runs both handshakes to completion (bounded), raising what either raises."""
    for _ in range(HANDSHAKE_ROUNDS):
        done = 0
        for side in (client, server):
            try:
                side.do_handshake()
                done += 1
            except WantReadError:
                pass
        pump(client, server)
        if done == 2:
            return
    raise AssertionError(f"handshake did not complete in {HANDSHAKE_ROUNDS} rounds")


def assert_handshake_failure(excinfo):
    """A failed handshake is a TLSError with words, not a signal to retry or an EOF."""
    err = excinfo.value
    assert not isinstance(err, (WantReadError, WantWriteError, RaggedEOF)), repr(err)
    assert len(str(err)) > 10, f"a TLSError without an explanation: {err!r}"


def buffer_pair(client_impl, server_impl, ccfg, scfg, hostname="localhost"):
    client = client_impl.client_context(ccfg).create_buffer(hostname)
    server = server_impl.server_context(scfg).create_buffer()
    return client, server


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{proc.args[0]} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{proc.args[0]} did not listen on {port} in {seconds}s")


class ExternalServer:
    """openssl s_server or gnutls-serv on loopback, stopped by its PID."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def external_server(certs):
    started = []

    def start(tool, *extra):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed (Debian: openssl, gnutls-bin)")
        port = free_port()
        cert, key = certs / "localhost.pem", certs / "localhost.key"
        if tool == "openssl":
            argv = ["openssl", "s_server", "-quiet", "-accept", f"127.0.0.1:{port}",
                    "-cert", str(cert),
                    "-key", str(key), "-cert_chain", str(cert), *extra]
        else:
            # gnutls-serv has no option to bind one address; the tests connect to 127.0.0.1.
            argv = ["gnutls-serv", "--echo", "-q", "-p", str(port), "--x509certfile",
                    str(cert), "--x509keyfile", str(key), *extra]
        server = ExternalServer(argv)
        started.append(server)
        wait_port(port, server.proc)
        return port

    yield start
    for server in started:
        server.stop()


def accept_waiting(listener, seconds=30.0):
    """accept on a (non-blocking) unitls listener, first waiting with select on its fileno()
    until a client is there: at most `seconds` in all, or AssertionError. A readable listener
    whose client went away before accept raises BlockingIOError; that is waited out too."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no client to accept in {seconds} s")
        ready, _, _ = select.select([listener.fileno()], [], [], left)
        if not ready:
            continue
        try:
            return listener.accept()
        except BlockingIOError:
            continue


class ThreadedAccept:
    """Accepts one connection on a unitls listening socket in a thread: waits (bounded) for a
    client with select, as the listener is non-blocking, and accept then completes the
    handshake, as connect does on the client. The thread owns the listener until result()
    returns: the caller touches neither it nor the new connection before that."""

    def __init__(self, listener, seconds=30):
        self.listener = listener
        self.seconds = seconds
        self.conn = None
        self.error = None
        # Bounded: the handshake in accept gives up with OSError after this long (accepted
        # sockets inherit the listener's SO_RCVTIMEO).
        with socket.socket(fileno=os.dup(listener.fileno())) as raw:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                           struct.pack("ll", seconds, 0))
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            self.conn, _ = accept_waiting(self.listener, self.seconds)
        except Exception as e:  # handed to the test through result()
            self.error = e

    def result(self, seconds=40.0):
        self.thread.join(seconds)
        if self.thread.is_alive():
            raise AssertionError("accept did not return")
        if self.error is not None:
            raise self.error
        return self.conn
