"""The page-parser process: reads syncFinder bodies on stdin, answers compact pages on stdout.

Started by ``finder_tui.parse_process`` with fixed argv and an environment that holds no
token; it never opens a connection or a file. Frames are a 4-byte big-endian length and the
bytes. An empty answer frame means "read it yourself": the parent then parses the same body in
its own process, so nothing depends on this process working.
"""

from __future__ import annotations

import struct
import sys
from typing import BinaryIO

from .answer import encode_answer, read_sync_answer

_LENGTH = struct.Struct(">I")


def read_frame(stream: BinaryIO) -> bytes | None:
    """One frame, or None at a clean end of input."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    body = stream.read(size)
    if len(body) < size:
        return None
    return body


def frame(data: bytes) -> bytes:
    return _LENGTH.pack(len(data)) + data


def serve(source: BinaryIO, sink: BinaryIO) -> None:
    while (body := read_frame(source)) is not None:
        try:
            answer = encode_answer(read_sync_answer(body))
        except Exception:  # noqa: BLE001 - any surprise: the parent reads this body itself
            answer = b""
        sink.write(frame(answer))
        sink.flush()


def main() -> int:
    try:
        serve(sys.stdin.buffer, sys.stdout.buffer)
    except (BrokenPipeError, KeyboardInterrupt):
        pass  # the parent went away
    return 0


if __name__ == "__main__":
    sys.exit(main())
