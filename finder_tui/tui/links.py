"""URLs in a message: found in its text and its card (link, app message), and mapped onto the
wrapped lines so every piece of a URL becomes a terminal hyperlink to the whole URL.

Only http/https URLs become links, and the visible text is always the URL itself: a link can
never pretend to go elsewhere (a card's title is shown, but not as the clickable text).
"""

from __future__ import annotations

import re

from ..wire.models import Message
from ..wire.xmlread import web_url
from .cells import drop_stray_joiners

# up to a space or a character that ends a URL in running (often Chinese) text
_URL = re.compile(r"https?://[^\s<>\"'`，。、；：！？（）「」『』【】《》]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""

LinkSpan = tuple[int, int, str]  # start, end (characters of a line), URL


def urls_in_text(text: str) -> list[tuple[int, int, str]]:
    """(start, end, url) of each http(s) URL in ``text`` (trailing punctuation left out)."""
    if "://" not in text:
        return []
    found = []
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if web_url(url):
            found.append((match.start(), match.start() + len(url), url))
    return found


def message_urls(message: Message) -> list[str]:
    """Every distinct http(s) URL of a message, in order: its text's, then its card's."""
    urls = [url for _s, _e, url in urls_in_text(message.text)]
    card = message.meta.get("url") if isinstance(message.meta, dict) else None
    if isinstance(card, str) and web_url(card):
        urls.append(card)
    return list(dict.fromkeys(urls))


def line_links(body: str, lines: list[str]) -> list[tuple[LinkSpan, ...]]:
    """For each wrapped line of ``body``, the URL pieces it holds (wrap only drops spaces at
    breaks and joiners that join nothing, so each line is found in order)."""
    body = drop_stray_joiners(body)
    spans = urls_in_text(body)
    out: list[tuple[LinkSpan, ...]] = []
    pos = 0
    for line in lines:
        start = body.find(line, pos) if line else pos
        if start < 0:
            out.append(())
            continue
        end = start + len(line)
        pos = end
        pieces = tuple(
            (max(s, start) - start, min(e, end) - start, url)
            for s, e, url in spans
            if s < end and e > start
        )
        out.append(pieces)
    return out
