"""Small, forgiving readers over a parsed payload: a missing element or attribute is empty,
a malformed number is ``None``, nothing raises. Payload kinds are built from these."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from .sanitize import scrub, scrub_line

MAX_XML = 1_000_000  # bigger payloads are not parsed, only kept


def parse_xml(raw: str) -> Element:
    if len(raw) > MAX_XML:
        raise ValueError("payload too large to parse")
    root: Element = SafeET.fromstring(raw.strip().encode("utf-8"))  # defusedxml has no stubs
    return root


def to_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def text_of(node: Element | None, path: str) -> str:
    """The stripped text at ``path`` under ``node`` (raw: scrub before showing it)."""
    if node is None:
        return ""
    found = node.find(path)
    return (found.text or "").strip() if found is not None else ""


def line(node: Element | None, path: str) -> str:
    """One scrubbed line of text at ``path``."""
    return scrub_line(text_of(node, path))


def block(node: Element | None, path: str) -> str:
    """Scrubbed text at ``path``, line breaks kept."""
    return scrub(text_of(node, path)).strip()


def attr(node: Element | None, name: str) -> str:
    if node is None:
        return ""
    return scrub_line(node.get(name) or "")


def int_at(node: Element | None, path: str) -> int | None:
    return to_int(text_of(node, path) or None)


def format_size(length: object, *, kb_decimals: int = 0) -> str:
    """``111 KB``, ``3.2 MB``; empty for anything that is not a positive byte count."""
    if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
        return ""
    if length >= 1 << 20:
        return f"{length / (1 << 20):.1f} MB"
    if length >= 1024:
        return f"{length / 1024:.{kb_decimals}f} KB"
    return f"{length} B"


_WEB_URL = re.compile(r"https?://[^\s/?#@]*[^\s/?#@:][^\s]*\Z", re.IGNORECASE)
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def web_url(value: str) -> str:
    """``value`` when it is an http(s) URL with a host, else empty: only those become links
    (no spaces, controls or bidi marks, which could make a link look like another)."""
    value = value.strip()
    if not _WEB_URL.match(value) or _UNSAFE.search(value):
        return ""
    return value


def host_of(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def labelled(label: str, parts: list[str]) -> str:
    """``[label a, b]`` (``[label]`` with no parts)."""
    shown = [p for p in parts if p]
    return f"[{label}" + (f" {', '.join(shown)}" if shown else "") + "]"


def meta_int(meta: dict[str, Any], key: str) -> int | None:
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value
