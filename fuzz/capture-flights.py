#!/usr/bin/env python3
"""capture-flights.py OUTDIR: records real TLS flights as fuzz seeds (docs/fuzzing.md).

Each case runs a real client (openssl s_client, gnutls-cli) against a real server (openssl
s_server, gnutls-serv) serving the fixed PKI of fuzz/pki, through a relay on 127.0.0.1 that
passes every byte on and records both directions. Per case NAME it writes:
  OUTDIR/client/NAME  everything the client sent (its whole side of the connection)
  OUTDIR/server/NAME  everything the server sent
The ClientHellos and ServerHellos are the first records of these. A developer's tool, run by
hand when the seeds should change; the seeds it made are committed under fuzz/corpus/. Every
process it starts is stopped by its PID; every wait is bounded."""
import os
import socket
import subprocess
import sys
import threading
import time

PKI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pki")
REQUEST = b"GET / HTTP/1.1\r\nHost: fuzz.test\r\n\r\n"


def pki(name):
    return os.path.join(PKI, name)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, deadline):
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def pump(src, dst, record):
    """Copies src to dst until EOF or error, appending what passed to record."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            record.extend(data)
            dst.sendall(data)
    except OSError:
        pass
    for s in (dst,):
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def relay_once(listener, server_port, client_bytes, server_bytes):
    conn, _ = listener.accept()
    upstream = socket.create_connection(("127.0.0.1", server_port), timeout=5)
    conn.settimeout(5)
    t1 = threading.Thread(target=pump, args=(conn, upstream, client_bytes))
    t2 = threading.Thread(target=pump, args=(upstream, conn, server_bytes))
    t1.start()
    t2.start()
    t1.join(10)
    t2.join(10)
    conn.close()
    upstream.close()


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_command(kind, port):
    if kind == "openssl":
        return ["openssl", "s_server", "-quiet", "-accept", str(port), "-www",
                "-cert", pki("server-ec.pem"), "-key", pki("server-ec.key"),
                "-dcert", pki("server-rsa.pem"), "-dkey", pki("server-rsa.key"),
                "-alpn", "h2,http/1.1", "-verify", "1", "-CAfile", pki("client-ca.pem")]
    return ["gnutls-serv", "--http", "-p", str(port), "--x509certfile", pki("server-ec.pem"),
            "--x509keyfile", pki("server-ec.key"), "--x509certfile", pki("server-rsa.pem"),
            "--x509keyfile", pki("server-rsa.key"), "--alpn", "h2", "--alpn", "http/1.1",
            "--x509cafile", pki("client-ca.pem"), "--verify-client-cert"]


CLIENT_CERT = ["-cert", pki("client.pem"), "-key", pki("client.key")]
GNUTLS_CERT = ["--x509certfile", pki("client.pem"), "--x509keyfile", pki("client.key")]


def openssl_client(*extra):
    return lambda port: ["openssl", "s_client", "-quiet", "-ign_eof",
                         "-connect", "127.0.0.1:%d" % port] + list(extra)


def gnutls_client(*extra):
    return lambda port: ["gnutls-cli", "--insecure", "-p", str(port), "127.0.0.1"] + list(extra)


CASES = [
    # name, server, client command
    ("openssl-tls13-sni-alpn", "openssl", openssl_client(
        "-tls1_3", "-servername", "fuzz.test", "-alpn", "h2,http/1.1")),
    ("openssl-tls12-sni-alpn", "openssl", openssl_client(
        "-tls1_2", "-servername", "www.fuzz.test", "-alpn", "http/1.1")),
    ("openssl-tls12-client-cert", "openssl", openssl_client(
        "-tls1_2", "-servername", "fuzz.test", *CLIENT_CERT)),
    ("openssl-tls13-client-cert", "openssl", openssl_client(
        "-tls1_3", "-servername", "fuzz.test", "-alpn", "h2", *CLIENT_CERT)),
    ("openssl-tls12-rsa-kx", "openssl", openssl_client(
        "-tls1_2", "-servername", "rsa.fuzz.test", "-cipher", "AES128-GCM-SHA256")),
    ("openssl-tls12-rsa-cbc", "openssl", openssl_client(
        "-tls1_2", "-servername", "rsa.fuzz.test", "-cipher", "ECDHE-RSA-AES128-SHA")),
    ("openssl-tls12-no-sni", "openssl", openssl_client("-tls1_2", "-noservername")),
    ("openssl-tls10-refused", "openssl", openssl_client(
        "-tls1", "-cipher", "DEFAULT@SECLEVEL=0", "-servername", "fuzz.test")),
    ("gnutls-tls13-sni-alpn", "openssl", gnutls_client(
        "--sni-hostname", "fuzz.test", "--alpn", "h2", "--alpn", "http/1.1",
        "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3")),
    ("gnutls-tls12-sni-alpn", "openssl", gnutls_client(
        "--sni-hostname", "www.fuzz.test", "--alpn", "http/1.1",
        "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2")),
    ("gnutls-tls12-client-cert", "openssl", gnutls_client(
        "--sni-hostname", "fuzz.test", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2",
        *GNUTLS_CERT)),
    ("gnutls-tls13-client-cert", "gnutls", gnutls_client(
        "--sni-hostname", "fuzz.test", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3",
        *GNUTLS_CERT)),
    ("gnutls-tls12-to-gnutls-serv", "gnutls", gnutls_client(
        "--sni-hostname", "rsa.fuzz.test", "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2")),
    ("openssl-tls13-to-gnutls-serv", "gnutls", openssl_client(
        "-tls1_3", "-servername", "fuzz.test", "-alpn", "h2,http/1.1")),
]


def run_case(name, server_kind, client_command, outdir):
    server_port, relay_port = free_port(), free_port()
    server = subprocess.Popen(server_command(server_kind, server_port), stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_listening(server_port, time.time() + 10):
            raise RuntimeError("%s: %s server did not listen" % (name, server_kind))
        # wait_listening's probe connection was accepted and closed; now the real one.
        listener = socket.socket()
        listener.bind(("127.0.0.1", relay_port))
        listener.listen(1)
        client_bytes, server_bytes = bytearray(), bytearray()
        relay = threading.Thread(target=relay_once,
                                 args=(listener, server_port, client_bytes, server_bytes))
        relay.start()
        client = subprocess.Popen(client_command(relay_port), stdin=subprocess.PIPE,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client.stdin.write(REQUEST)
            client.stdin.flush()
            time.sleep(1.0)
            client.stdin.close()
            client.wait(5)
        except (subprocess.TimeoutExpired, BrokenPipeError):
            pass
        finally:
            stop(client)
        relay.join(15)
        listener.close()
    finally:
        stop(server)
    for side, data in (("client", client_bytes), ("server", server_bytes)):
        os.makedirs(os.path.join(outdir, side), exist_ok=True)
        with open(os.path.join(outdir, side, name), "wb") as f:
            f.write(bytes(data))
    print("%s: client sent %d bytes, server %d" % (name, len(client_bytes), len(server_bytes)))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: capture-flights.py OUTDIR")
    for name, server_kind, client_command in CASES:
        run_case(name, server_kind, client_command, sys.argv[1])


if __name__ == "__main__":
    main()
