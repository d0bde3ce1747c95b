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


# A joiner that does not join two emoji: rich's cell_len skips the character after any ZWJ
# (so "a\u200db " measures 2 while a terminal draws 3), and cell_len stops being additive, so
# a padded row measured by Textual comes out a cell short and pushes the pane divider out.
_PICTOGRAPH = "\u2600-\u27bf\u2b00-\u2bff\U0001f000-\U0001f1e5\U0001f200-\U0001faff"
_STRAY_JOINER = re.compile(f"(?<![{_PICTOGRAPH}\ufe0f])\u200d|\u200d(?![{_PICTOGRAPH}])")


def drop_stray_joiners(text: str) -> str:
    """``text`` without the ZWJs that do not sit between two emoji (they draw nothing)."""
    if _ZWJ not in text:
        return text
    return _STRAY_JOINER.sub("", text)


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
    for paragraph in drop_stray_joiners(text).split("\n"):
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


# Kinsoku (CJK line breaking): no line starts with closing punctuation, none ends with an
# opening bracket.
NO_LINE_START = frozenset("，。！？、；：）」』”’》〉】〕…,.!?;:)]}%")
NO_LINE_END = frozenset("（「『“‘《〈【〔")
URL_BREAKS = frozenset("/?&=-")  # inside a word too long for a line of its own
_NONE, _URL, _SOFT, _BLOCKED = 0, 1, 2, 3


def _break_before(prev: str, prev_w: int, cur: str, cur_w: int) -> int:
    """What a line break between ``prev`` and ``cur`` would be."""
    if cur in NO_LINE_START or prev in NO_LINE_END:
        return _BLOCKED
    if prev == " ":
        return _SOFT
    if cur == " ":
        return _NONE
    if prev_w == 2 or cur_w == 2:  # CJK (and wide emoji) break anywhere
        return _SOFT
    return _URL if prev in URL_BREAKS else _NONE


def _run_width(units: list[tuple[str, int]], first: int, limit: int) -> int:
    """Cells of the unbreakable run starting at ``first`` (stops counting past ``limit``)."""
    total = units[first][1]
    for j in range(first + 1, len(units)):
        cur, cur_w = units[j]
        prev, prev_w = units[j - 1]
        if cur == " " or _break_before(prev, prev_w, cur, cur_w) == _SOFT or total > limit:
            break
        total += cur_w
    return total


def _last_break(units: list[tuple[str, int]], kind: int, start: int, end: int) -> int:
    """The last index in ``(start, end]`` a break of ``kind`` may go before (-1: none)."""
    for j in range(end, start, -1):
        prev, prev_w = units[j - 1]
        cur, cur_w = units[j]
        if _break_before(prev, prev_w, cur, cur_w) == kind:
            return j
    return -1


def _wrap_units(paragraph: str, width: int, units: list[tuple[str, int]]) -> list[str]:
    """Greedy wrap: at the last space (or CJK boundary) when the word after it fits on a line
    of its own, else at the last ``/ ? & = -`` inside the word, else anywhere; kinsoku rules
    hold except when a line holds nothing else to move. The break search runs only when a
    line overflows, backwards from its end, so the common path is a width sum."""
    count = len(units)
    chars = [u[0] for u in units]  # joined by slices: no generator per emitted line
    widths = [u[1] for u in units]
    lines: list[str] = []
    start, line_width = 0, 0
    for i, (cluster, w) in enumerate(units):
        if i == start and cluster == " " and lines:
            start = i + 1  # spaces at the start of a wrapped line are dropped
            continue
        if line_width + w <= width or i == start:
            line_width += w
            continue
        if cluster == " ":
            lines.append("".join(chars[start:i]).rstrip(" "))
            start, line_width = i + 1, 0
            continue
        while line_width + w > width and i > start:
            prev, prev_w = units[i - 1]
            if (
                w == 2
                and prev not in NO_LINE_END
                and cluster not in NO_LINE_START
                and (i + 1 == count or chars[i + 1] not in NO_LINE_START)
            ):
                cut = i  # CJK: break right here (the common case, kept cheap)
            else:
                cut = _cut(units, start, i, width)
            lines.append("".join(chars[start:cut]).rstrip(" "))
            start = cut
            line_width = sum(widths[start:i])
        line_width += w
    rest = "".join(chars[start:])
    if not lines or rest.strip(" "):
        lines.append(rest.rstrip(" "))
    return lines


def _cut(units: list[tuple[str, int]], start: int, i: int, width: int) -> int:
    """Where to end the line ``units[start:i]`` that ``units[i]`` overflows."""
    soft = -1
    for j in range(i, start, -1):  # inline: this runs at most line breaks of CJK text
        prev, prev_w = units[j - 1]
        cur, cur_w = units[j]
        if cur in NO_LINE_START or prev in NO_LINE_END or cur == " ":
            continue
        if prev == " " or prev_w == 2 or cur_w == 2:
            soft = j
            break
    if soft > start:
        if units[soft][1] == 2:  # before a CJK character: its run is it and closing marks
            return soft
        if _run_width(units, soft, width) <= width:
            return soft  # the word moves whole
    url = _last_break(units, _URL, max(start, soft), i)
    if url > start:
        return url  # a word too long for any line breaks after / ? & = -
    if soft > start:
        return soft  # it starts a fresh line, to break there
    prev, prev_w = units[i - 1]
    cluster, w = units[i]
    if _break_before(prev, prev_w, cluster, w) == _BLOCKED and i - 1 > start:
        return i - 1  # keep "，" with the character before it
    return i


def truncate(text: str, width: int, ellipsis: str = "…") -> str:
    """Cut to at most ``width`` cells, on a cluster boundary, marking the cut."""
    text = drop_stray_joiners(text)
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
    text = drop_stray_joiners(text)
    return text + " " * max(0, width - cell_len(text))
