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


# Kinsoku (CJK line breaking): no line starts with closing punctuation, none ends with an
# opening bracket.
NO_LINE_START = frozenset("，。！？、；：）」』”’》〉】〕…,.!?;:)]}%")
NO_LINE_END = frozenset("（「『“‘《〈【〔")
URL_BREAKS = frozenset("/?&=-")  # inside a word too long for a line of its own
_NONE, _URL, _SOFT, _BLOCKED = 0, 1, 2, 3


def _opportunities(units: list[tuple[str, int]]) -> list[int]:
    """For each unit, what a line break just before it would be."""
    out = [_NONE] * len(units)
    for i in range(1, len(units)):
        prev, prev_w = units[i - 1]
        cur, cur_w = units[i]
        if cur in NO_LINE_START or prev in NO_LINE_END:
            out[i] = _BLOCKED
        elif prev == " ":
            out[i] = _SOFT
        elif cur == " ":
            continue
        elif prev_w == 2 or cur_w == 2:  # CJK (and wide emoji) break anywhere
            out[i] = _SOFT
        elif prev in URL_BREAKS:
            out[i] = _URL
    return out


def _wrap_units(paragraph: str, width: int, units: list[tuple[str, int]]) -> list[str]:
    """Greedy wrap: at the last space (or CJK boundary) when the word after it fits on a line
    of its own, else at the last ``/ ? & = -`` inside the word, else anywhere; kinsoku rules
    hold except when a line holds nothing else to move."""
    count = len(units)
    opp = _opportunities(units)
    # width of the unbreakable run starting at each unit (up to the next soft break or space)
    run = [0] * (count + 1)
    for i in range(count - 1, -1, -1):
        cluster, w = units[i]
        if cluster == " ":
            continue
        follows = i + 1 < count and opp[i + 1] != _SOFT and units[i + 1][0] != " "
        run[i] = w + (run[i + 1] if follows else 0)
    lines: list[str] = []
    start, line_width = 0, 0
    soft = url = -1  # last break opportunities inside the current line (absolute indices)

    def emit(end: int) -> None:
        lines.append("".join(u[0] for u in units[start:end]).rstrip(" "))

    i = 0
    while i < count:
        cluster, w = units[i]
        if line_width + w > width and i > start:
            if cluster == " ":
                emit(i)
                while i < count and units[i][0] == " ":
                    i += 1
                start, line_width, soft, url = i, 0, -1, -1
                continue
            if opp[i] == _SOFT:
                soft = i  # a break right here needs nothing moved
            elif opp[i] == _URL:
                url = i
            if soft > start and (run[soft] <= width or url <= soft):
                cut = soft  # the word moves whole (or starts fresh, to break at / ? & = -)
            elif url > start:
                cut = url
            else:
                cut = i
            if cut == i and opp[i] == _BLOCKED and i - 1 > start:
                cut = i - 1  # keep "，" with the character before it
            emit(cut)
            start = cut
            line_width = sum(u[1] for u in units[start:i])
            soft = url = -1
            for j in range(start + 1, i):
                if opp[j] == _SOFT:
                    soft = j
                elif opp[j] == _URL:
                    url = j
            continue  # re-check the same unit against the shorter line
        if i > start:
            if opp[i] == _SOFT:
                soft = i
            elif opp[i] == _URL:
                url = i
        line_width += w
        i += 1
    if not lines or "".join(u[0] for u in units[start:]).strip(" "):
        emit(count)
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
