"""HTML export: one self-contained page of chat bubbles.

No scripts, no external URLs (styles are inline, fonts are the system's), and a CSP that forbids
everything but inline styles, so even a bug in escaping could not load or run anything. Every
piece of text goes through ``html.escape(quote=True)``; ``white-space: pre-wrap`` keeps line
breaks without turning any text into markup.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from html import escape

from ..wire.content import SYSTEM_KINDS, TEXT
from ..wire.models import Message
from .common import Doc, content_text, encode, render_by_day

# A constant without double quotes or ampersands: written verbatim so the policy is greppable.
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_STYLE = """
:root { color-scheme: light dark; }
body { margin: 0; background: #ededed; color: #111;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei",
  "Noto Sans CJK SC", sans-serif; }
header { padding: 16px 20px; background: #fff; border-bottom: 1px solid #d6d6d6; }
header h1 { font-size: 18px; margin: 0 0 8px; overflow-wrap: anywhere; }
header dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px;
  font-size: 13px; color: #555; }
header dt { font-weight: 600; }
header dd { margin: 0; overflow-wrap: anywhere; }
main { max-width: 780px; margin: 0 auto; padding: 8px 16px 48px; }
.day { text-align: center; margin: 20px 0 10px; }
.day span { background: #dadada; color: #555; border-radius: 4px; padding: 2px 8px;
  font-size: 12px; }
.msg { display: flex; margin: 6px 0; }
.msg.out { justify-content: flex-end; }
.msg.in { justify-content: flex-start; }
.msg.sys { justify-content: center; }
.bubble { max-width: 75%; padding: 7px 11px; border-radius: 8px; background: #fff;
  box-shadow: 0 1px 1px rgba(0, 0, 0, .06); }
.out .bubble { background: #95ec69; }
.sys .bubble { background: transparent; box-shadow: none; color: #888; font-size: 12px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.media .text { color: #666; font-style: italic; }
.meta { font-size: 11px; color: #7a7a7a; margin-top: 2px; }
.out .meta { text-align: right; }
@media (prefers-color-scheme: dark) {
  body { background: #111; color: #e6e6e6; }
  header { background: #1c1c1c; border-color: #333; }
  header dl, .day span { color: #aaa; }
  .day span { background: #2a2a2a; }
  .bubble { background: #2c2c2c; }
  .out .bubble { background: #2f6f2a; }
  .media .text, .meta { color: #a0a0a0; }
}
"""


def _e(text: str) -> str:
    return escape(text, quote=True)


def _header(doc: Doc) -> str:
    title = _e(f"Conversation with {doc.name}")
    rows = (
        ("Session", doc.session.session_id),
        ("Peer", doc.session.peer or "(unknown)"),
        ("Dates", doc.date_range()),
        ("Messages", str(len(doc.messages))),
        ("Exported", f"{doc.exported_iso()} by finder-tui"),
    )
    info = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="und">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{title}</h1><dl>{info}</dl></header>\n<main>\n"
    )


def _bubble(doc: Doc, message: Message, when: datetime) -> str:
    if message.kind in SYSTEM_KINDS:
        side = "sys"
    else:
        side = "out" if message.is_sender else "in"
    classes = f"msg {side}" + ("" if message.kind == TEXT else " media")
    stamp = f"{when:%H:%M}" if side != "in" else f"{when:%H:%M} · {doc.name}"
    return (
        f'<div class="{classes}"><div class="bubble">'
        f'<div class="text">{_e(content_text(message, doc.name_of))}</div>'
        f'<div class="meta"><time datetime="{when.isoformat(timespec="seconds")}">'
        f"{_e(stamp)}</time></div></div></div>\n"
    )


def render(doc: Doc) -> Iterator[bytes]:
    yield encode(_header(doc))
    yield from render_by_day(
        doc,
        lambda label: f'<div class="day"><span>{_e(label)}</span></div>\n',
        lambda message, when: _bubble(doc, message, when),
    )
    yield b"</main>\n</body>\n</html>\n"
