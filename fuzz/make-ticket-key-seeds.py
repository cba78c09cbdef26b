#!/usr/bin/env python3
"""make-ticket-key-seeds.py OUTDIR: writes the seeds of fuzz_ticket_keys (the session ticket key
reader, src/core/ticket_key_file.c) into OUTDIR, one file each: files an operator writes (one
key, eight keys, a rotation with comments, blank lines and CRLF) and one of each refusal (a
ninth key, a 48-byte key, a character outside base64, padding missing, padding inside, a
repeated key name, comments only, bits set past the 80th byte). The keys are fixed bytes, not
secrets."""
import base64
import os
import sys


def key(seed, size=80):
    return base64.b64encode(bytes((seed * 37 + i) % 256 for i in range(size))).decode()


def seeds():
    eight = "".join(key(i) + "\n" for i in range(8))
    bad_char = key(3)[:20] + "*" + key(3)[21:]
    return {
        "one-key": key(1) + "\n",
        "eight-keys": eight,
        "rotation-crlf-comments": "# unitlsd session ticket keys\r\n\r\n" + key(9) + "\r\n"
                                  "  # previous key\r\n\t" + key(1) + "  \r\n",
        "no-final-newline": key(2),
        "nine-keys": eight + key(8) + "\n",
        "aes128-48-bytes": key(4, 48) + "\n",
        "bad-character": bad_char + "\n",
        "padding-missing": key(5).rstrip("=") + "\n",
        "padding-inside": key(6)[:40] + "=" + key(6)[41:] + "\n",
        "repeated-name": key(7) + "\n" + key(7)[:24] + key(8)[24:] + "\n",
        "comments-only": "# no key yet\n\n   # still none\n",
        "non-canonical": key(1)[:106] + "B=\n",
    }


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, text in seeds().items():
        with open(os.path.join(out, name), "w", newline="") as f:
            f.write(text)


if __name__ == "__main__":
    main()
