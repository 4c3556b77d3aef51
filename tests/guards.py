"""Helpers the hostile-file tests share: a guard against hangs, and PNG chunks made by hand."""

from __future__ import annotations

import struct
import threading
import zlib


def finishes(call, *args, seconds: float = 60):
    """Run `call` in a thread; (finished, result or exception). Guards against a hang, times nothing."""
    box: dict = {}

    def target():
        try:
            box["value"] = call(*args)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["value"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), box.get("value")


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk with its length and CRC, as an encoder writes it."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def with_chunks(png: bytes, *chunks: bytes) -> bytes:
    """The PNG with `chunks` inserted before its pixel data."""
    at = png.index(b"IDAT") - 4
    return png[:at] + b"".join(chunks) + png[at:]
