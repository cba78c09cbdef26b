#!/usr/bin/env python3
"""make-proxy-seeds.py OUTDIR: writes the seeds of fuzz_proxy (the PROXY protocol header
parser, src/daemon/proxy_in.c) into OUTDIR, one file each: the headers balancers send (v1 TCP4,
TCP6, UNKNOWN; v2 PROXY over IPv4, IPv6 and UNIX with TLVs, UNSPEC, LOCAL), each followed by the
first bytes of a TLS ClientHello as on the wire, and the inputs that must be refused or wait:
truncated headers, an oversize v2 length, a v1 line past 107 bytes, a bare ClientHello, HTTP."""
import os
import struct
import sys

SIG = b"\r\n\r\n\x00\r\nQUIT\n"
HELLO = bytes.fromhex("16030100a5010000a10303") + bytes(range(32))


def v2(ver_cmd, family, body):
    return SIG + bytes([ver_cmd, family]) + struct.pack(">H", len(body)) + body


def tlv(kind, value):
    return bytes([kind]) + struct.pack(">H", len(value)) + value


def seeds():
    inet = bytes([203, 0, 113, 7, 198, 51, 100, 1]) + struct.pack(">HH", 4242, 443)
    inet6 = (bytes.fromhex("20010db8000000000000000000000007")
             + bytes.fromhex("20010db8000000000000000000000001") + struct.pack(">HH", 5555, 443))
    unix = b"/run/haproxy/client.sock".ljust(108, b"\0") + b"/run/unitlsd.sock".ljust(108, b"\0")
    tlvs = (tlv(0x01, b"h2") + tlv(0x02, b"example.org") + tlv(0x04, b"\0\0")
            + tlv(0x20, b"\x07\x00\x00\x00\x00" + tlv(0x21, b"TLSv1.3") + tlv(0x22, b"CN=client"))
            + tlv(0xEA, b"\x01vpce-0123456789abcdef"))
    v1_tcp6 = (b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
               b"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n")
    return {
        "v1-tcp4": b"PROXY TCP4 203.0.113.7 198.51.100.1 4242 443\r\n" + HELLO,
        "v1-tcp6-longest": v1_tcp6 + HELLO,
        "v1-tcp6-short": b"PROXY TCP6 ::1 2001:db8::1 0 1\r\n" + HELLO,
        "v1-unknown": b"PROXY UNKNOWN\r\n" + HELLO,
        "v1-unknown-107": b"PROXY UNKNOWN " + v1_tcp6[11:] + HELLO,
        "v1-too-long": b"PROXY UNKNOWN " + b"x" * 100 + b"\r\n",
        "v1-truncated": b"PROXY TCP4 203.0.113.7 198.5",
        "v1-lf-only": b"PROXY TCP4 203.0.113.7 198.51.100.1 4242 443\n" + HELLO,
        "v2-proxy-inet": v2(0x21, 0x11, inet) + HELLO,
        "v2-proxy-inet6-tlvs": v2(0x21, 0x21, inet6 + tlvs) + HELLO,
        "v2-proxy-unix": v2(0x21, 0x31, unix) + HELLO,
        "v2-proxy-unspec": v2(0x21, 0x00, b"") + HELLO,
        "v2-local": v2(0x20, 0x00, b"") + HELLO,
        "v2-local-with-block": v2(0x20, 0x11, inet) + HELLO,
        "v2-truncated-fixed": (SIG + b"\x21\x11")[:14],
        "v2-truncated-body": v2(0x21, 0x21, inet6)[:40],
        "v2-oversize": SIG + b"\x21\x11\xff\xff" + inet,
        "v2-tlv-overrun": v2(0x21, 0x11, inet + b"\x02\x00\x09abc"),
        "v2-dgram": v2(0x21, 0x12, inet),
        "tls-client-hello": HELLO,
        "http-get": b"GET / HTTP/1.1\r\nHost: example.org\r\n\r\n",
    }


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-proxy-seeds.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, data in seeds().items():
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
