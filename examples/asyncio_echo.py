#!/usr/bin/env python3
"""An asyncio TLS echo client over unitls's TLSBuffer (PEP 748's ClientContext.create_buffer).

asyncio owns the TCP connection; the TLSBuffer only turns plaintext into records and back.
Each call on the buffer either succeeds or says which way it is stuck: WantReadError (feed it
bytes from the network) or WantWriteError (send its outgoing bytes first). TLSStream below is
that loop, and nothing else: the handshake, certificate and hostname checks are the library's.

    python3 asyncio_echo.py [--implementation NAME] [--cafile PEM] [--server-name NAME]
                            HOST PORT LINE...

sends each LINE, prints the line the server echoes, then closes with close_notify. Exit status
0 when every line came back unchanged, 1 otherwise.
"""

import argparse
import asyncio
import sys

import unitls
from unitls import (RaggedEOF, TLSClientConfiguration, TrustStore, WantReadError,
                    WantWriteError)

READ_SIZE = 16384


class TLSStream:
    """A TLSBuffer driven over an asyncio (reader, writer) pair."""

    def __init__(self, reader, writer, tls):
        self.reader, self.writer, self.tls = reader, writer, tls
        self.pending = b""  # bytes read from the network that the buffer has not taken yet

    async def _flush(self):
        data = self.tls.process_outgoing(-1)
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def _feed(self):
        """Hands the buffer bytes from the network; reads the network only when none wait."""
        if not self.pending:
            self.pending = await self.reader.read(READ_SIZE)
            if not self.pending:
                self.tls.process_incoming_eof()
                return
        try:
            self.tls.process_incoming(self.pending)
            self.pending = b""
        except WantReadError:
            pass  # the buffer is full: the caller's next read makes room

    async def _call(self, operation):
        """Runs operation until it neither wants to read nor to write."""
        while True:
            try:
                return operation()
            except WantWriteError:
                await self._flush()
            except WantReadError:
                await self._flush()  # the peer may be waiting for what we have
                await self._feed()

    async def handshake(self):
        await self._call(self.tls.do_handshake)
        await self._flush()  # our last flight

    async def send(self, data):
        view = memoryview(data)
        while view:
            view = view[await self._call(lambda: self.tls.write(view)):]
        await self._flush()

    async def recv(self):
        """Some plaintext; b"" once the peer's close_notify arrived."""
        return await self._call(lambda: self.tls.read(READ_SIZE))

    async def close(self, wait_seconds=5.0):
        """Sends close_notify and waits (bounded) for the peer's. True when it came."""
        try:
            self.tls.shutdown()
            clean = True
        except WantReadError:
            await self._flush()
            try:
                clean = await asyncio.wait_for(self._await_close_notify(), wait_seconds)
            except asyncio.TimeoutError:
                clean = False
        await self._flush()
        self.writer.close()
        await self.writer.wait_closed()
        return clean

    async def _await_close_notify(self):
        try:
            while await self.recv():
                pass  # application data still in flight is dropped
        except RaggedEOF:
            return False
        return True


async def echo(args):
    impl = unitls.implementation(args.implementation)
    trust = TrustStore.from_file(args.cafile) if args.cafile else None
    context = impl.client_context(TLSClientConfiguration(trust_store=trust))
    tls = context.create_buffer(args.server_name or args.host)
    reader, writer = await asyncio.open_connection(args.host, args.port)
    stream = TLSStream(reader, writer, tls)
    await stream.handshake()
    print(f"# {impl.name}: {tls.negotiated_tls_version.value} {tls.cipher().name}",
          file=sys.stderr)
    ok = True
    for line in args.lines:
        await stream.send(line.encode() + b"\n")
        got = b""
        while not got.endswith(b"\n"):
            chunk = await stream.recv()
            if not chunk:
                break
            got += chunk
        print(got.decode(errors="replace").rstrip("\n"))
        ok = ok and got == line.encode() + b"\n"
    if not await stream.close():
        print("# the server did not answer close_notify", file=sys.stderr)
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--implementation", help="openssl, gnutls... (default: the default)")
    parser.add_argument("--cafile", help="PEM trust store (default: the system's)")
    parser.add_argument("--server-name", help="name to send and verify (default: HOST)")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("lines", nargs="+", metavar="LINE")
    args = parser.parse_args()
    try:
        return asyncio.run(asyncio.wait_for(echo(args), 60))
    except unitls.TLSError as e:  # the library's explanation, in words
        print(f"asyncio_echo: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
