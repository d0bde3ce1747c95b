"""The demo's images: ``/getMsgImg`` answers ``data.url`` pointing at this server, which
serves a real PNG generated for each image message (``GET /media/<NewMsgId>.png``).

An unknown or non-image ``msgId`` is answered like an expired image (code 1001)."""

from __future__ import annotations

import colorsys
import io
import re
import threading
from typing import Any

from .endpoints import ApiError, DemoState, endpoint, get_route

_PATH = re.compile(r"^/media/(\d{1,20})\.png$")
_CACHE: dict[int, bytes] = {}
_CACHE_LOCK = threading.Lock()
_MAX_CACHED = 64


def _image_ids(demo: DemoState) -> set[int]:
    ids = set()
    for item in demo.items:
        msg = item.get("content", {}).get("msg", {})
        if msg.get("MsgType") == 3 and isinstance(msg.get("NewMsgId"), int):
            ids.add(msg["NewMsgId"])
    return ids


def _msg_id(value: Any) -> int | None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 64:
        return None
    return value


@endpoint("/getMsgImg")
def get_msg_img(demo: DemoState, payload: dict[str, Any]) -> dict[str, Any]:
    msg_id = _msg_id(payload.get("msgId"))
    if msg_id is None:
        raise ApiError("参数错误: msgId")
    if msg_id not in _image_ids(demo):
        raise ApiError("图片不存在或已过期")
    return {"url": f"{demo.url}/media/{msg_id}.png"}


def render_png(msg_id: int, width: int = 360, height: int = 270) -> bytes:
    """A deterministic picture for a message: a two-colour gradient, a sun and a hill."""
    from PIL import Image, ImageDraw  # only when an image is asked for: keeps start-up light

    hue = (msg_id % 360) / 360
    top = tuple(int(c * 255) for c in colorsys.hsv_to_rgb(hue, 0.45, 0.95))
    bottom = tuple(int(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.12) % 1, 0.8, 0.55))
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(1, height - 1)
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    r = height // 7
    cx, cy = width * (0.25 + (msg_id % 50) / 100), height // 3
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(255, 236, 160))
    draw.polygon([(0, height), (width * 0.45, height * 0.55), (width, height)], fill=(40, 90, 60))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


@get_route("/media/")
def media_file(demo: DemoState, path: str) -> tuple[int, bytes, str]:
    match = _PATH.match(path)
    msg_id = int(match.group(1)) if match else None
    if msg_id is None or msg_id not in _image_ids(demo):
        return 404, b"not found", "text/plain"
    with _CACHE_LOCK:
        body = _CACHE.get(msg_id)
    if body is None:
        body = render_png(msg_id)
        with _CACHE_LOCK:
            if len(_CACHE) >= _MAX_CACHED:
                _CACHE.pop(next(iter(_CACHE)))
            _CACHE[msg_id] = body
    return 200, body, "image/png"
