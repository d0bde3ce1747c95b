"""Codec for the syncFinder ``keyBuff``.

keyBuff is base64 of a small protobuf message::

    message KeyBuff {
      repeated Pair pairs = 1;   // Pair { uint32 key = 1; uint64 value = 2; }
      uint32 reset = 2;
    }

The sync engine treats it as opaque and stores the exact string it received; decoding only
serves to show where sync stands (and lets the embedded demo server build its own).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field


class KeyBuffError(ValueError):
    """The keyBuff is not base64 of the expected protobuf."""


@dataclass(frozen=True)
class Cursor:
    """A decoded keyBuff: ordered (key id, value) pairs and the reset flag."""

    pairs: tuple[tuple[int, int], ...] = field(default_factory=tuple)
    reset: int = 0

    def as_dict(self) -> dict[str, int]:
        """Key ids as strings (JSON object keys), in wire order."""
        return {str(key): value for key, value in self.pairs}

    def value(self, key: int, default: int = 0) -> int:
        for k, v in self.pairs:
            if k == key:
                return v
        return default


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise KeyBuffError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if result >> 64:
                raise KeyBuffError("varint longer than 64 bits")
            return result, pos
        shift += 7
        if shift > 63:
            raise KeyBuffError("varint longer than 64 bits")


def _write_varint(value: int) -> bytes:
    if value < 0 or value >= 1 << 64:
        raise KeyBuffError(f"varint out of range: {value}")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _skip(data: bytes, pos: int, wire_type: int) -> int:
    if wire_type == 0:
        return _read_varint(data, pos)[1]
    if wire_type == 1:
        return pos + 8
    if wire_type == 2:
        length, pos = _read_varint(data, pos)
        return pos + length
    if wire_type == 5:
        return pos + 4
    raise KeyBuffError(f"unsupported wire type {wire_type}")


def _decode_pair(data: bytes) -> tuple[int, int]:
    key = value = 0
    pos = 0
    while pos < len(data):
        tag, pos = _read_varint(data, pos)
        number, wire_type = tag >> 3, tag & 7
        if number in (1, 2) and wire_type == 0:
            val, pos = _read_varint(data, pos)
            if number == 1:
                key = val
            else:
                value = val
        else:
            pos = _skip(data, pos, wire_type)
    if pos != len(data):
        raise KeyBuffError("pair overruns its length")
    return key, value


def decode(key_buff: str) -> Cursor:
    """Decode a keyBuff string. The empty string is the empty cursor."""
    if not key_buff:
        return Cursor()
    try:
        data = base64.b64decode(key_buff, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyBuffError("keyBuff is not valid base64") from exc
    pairs: list[tuple[int, int]] = []
    reset = 0
    pos = 0
    while pos < len(data):
        tag, pos = _read_varint(data, pos)
        number, wire_type = tag >> 3, tag & 7
        if number == 1 and wire_type == 2:
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise KeyBuffError("pair length past the end")
            pairs.append(_decode_pair(data[pos : pos + length]))
            pos += length
        elif number == 2 and wire_type == 0:
            reset, pos = _read_varint(data, pos)
        else:
            pos = _skip(data, pos, wire_type)
    if pos != len(data):
        raise KeyBuffError("keyBuff overruns its length")
    return Cursor(tuple(pairs), reset)


def encode(cursor: Cursor) -> str:
    """Encode a cursor in the same form the server uses (pairs, then the reset flag)."""
    out = bytearray()
    for key, value in cursor.pairs:
        body = b"\x08" + _write_varint(key) + b"\x10" + _write_varint(value)
        out += b"\x0a" + _write_varint(len(body)) + body
    out += b"\x10" + _write_varint(cursor.reset)
    return base64.b64encode(bytes(out)).decode("ascii")


def describe(key_buff: str) -> dict[str, int] | None:
    """The decoded pairs for display, or None when the keyBuff cannot be decoded."""
    try:
        return decode(key_buff).as_dict()
    except KeyBuffError:
        return None
