"""Cell-width aware wrapping that never splits a grapheme cluster.

CJK characters take two cells, combining marks and ZWJ joiners none; an emoji ZWJ sequence
(👨‍👩‍👧), a flag (two regional indicators) or a skin-tone modifier must stay on one line, or
the terminal draws half a glyph and every later column shifts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from rich.cells import cell_len, get_character_cell_size

_ZWJ = "\u200d"
# Anything that can glue characters into one cluster; text without these wraps per character.
_CLUSTERING = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0e31-\u0e3a"
    "\u0e47-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff\u200d\u20d0-\u20ff\u302a-\u302f\u3099\u309a"
    "\ufe00-\ufe0f\ufe20-\ufe2f\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff\U000e0000-\U000e01ef]"
)


def _joins_previous(char: str) -> bool:
    code = ord(char)
    return (
        char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag sequences (subdivision flags)
        or unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Me")
    )


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def graphemes(text: str) -> Iterator[str]:
    """Split into approximate extended grapheme clusters (enough for terminal layout)."""
    cluster = ""
    previous = ""
    regional_open = False
    for char in text:
        if cluster and (
            _joins_previous(char) or previous == _ZWJ or (regional_open and _is_regional(char))
        ):
            cluster += char
            regional_open = False
        else:
            if cluster:
                yield cluster
            cluster = char
            regional_open = _is_regional(char)
        previous = char
    if cluster:
        yield cluster


def wrap(text: str, width: int) -> list[str]:
    """Wrap to ``width`` cells: at spaces where possible, anywhere in CJK, never mid-cluster."""
    width = max(1, width)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.replace("\t", "    ")
        if cell_len(paragraph) <= width:
            lines.append(paragraph)
            continue
        lines.extend(_wrap_paragraph(paragraph, width))
    return lines


def _wrap_paragraph(paragraph: str, width: int) -> list[str]:
    # Fast path (most text): no clustering characters, so every character is its own cluster
    # and its width comes from rich's cached per-character table.
    if _CLUSTERING.search(paragraph) is None:
        return _wrap_units(paragraph, width, [(c, get_character_cell_size(c)) for c in paragraph])
    return _wrap_units(paragraph, width, [(c, cell_len(c)) for c in graphemes(paragraph)])


def _wrap_units(paragraph: str, width: int, units: list[tuple[str, int]]) -> list[str]:
    lines: list[str] = []
    line: list[str] = []
    line_width = 0
    last_space = -1  # index in ``line`` of the last space, to break words where we can
    for cluster, w in units:
        if line_width + w > width and line:
            if cluster != " " and 0 < last_space < len(line) - 1:
                head, tail = line[: last_space + 1], line[last_space + 1 :]
                lines.append("".join(head).rstrip(" "))
                line, line_width = tail, cell_len("".join(tail))
            else:
                lines.append("".join(line).rstrip(" "))
                line, line_width = [], 0
            last_space = -1
            if cluster == " ":
                continue
        if cluster == " ":
            last_space = len(line)
        line.append(cluster)
        line_width += w
    if line or not lines:
        lines.append("".join(line))
    return lines


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """Cut to at most ``width`` cells, on a cluster boundary, marking the cut."""
    if cell_len(text) <= width:
        return text
    out: list[str] = []
    used = 0
    limit = max(0, width - cell_len(ellipsis))
    for cluster in graphemes(text):
        w = cell_len(cluster)
        if used + w > limit:
            break
        out.append(cluster)
        used += w
    return "".join(out) + ellipsis


def pad_to(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))
