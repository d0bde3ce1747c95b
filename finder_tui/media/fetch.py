"""``POST /getMsgImg`` through ``FinderClient.call``, then the download into the cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from ..client import ApiError, AuthError, FinderClient, SyncError
from ..wire.content import IMAGE
from ..wire.models import Message, content_string
from ..wire.sanitize import scrub_line
from ..wire.xmlread import web_url
from .cache import MediaCache
from .download import MAX_IMAGE_BYTES, download
from .errors import MediaError

GET_MSG_IMG = "/getMsgImg"
ORIGINAL = 0  # ``type`` of /getMsgImg: 0 the original ("常规"), others thumbnails / HD


def image_payload(message: Message) -> str:
    """The message's XML as received (``content`` of /getMsgImg wants it verbatim)."""
    return content_string(message) or ""


def fetch_image_url(client: FinderClient, message: Message, *, kind: int = ORIGINAL) -> str:
    """The vendor's download URL (valid about 7 days) for an image message."""
    body: dict[str, Any] = {
        "wId": client.config.wid,
        "msgId": message.new_msg_id,  # an exact integer in the JSON (orjson, never a float)
        "content": image_payload(message),
        "type": kind,
    }
    try:
        data = client.call(GET_MSG_IMG, body)
    except AuthError as exc:
        raise MediaError(f"the server refused the token ({exc.code})") from None
    except ApiError as exc:
        raise MediaError(
            f"expired or unknown to the server ({scrub_line(str(exc))[:80]})"
        ) from None
    except SyncError as exc:
        raise MediaError(scrub_line(str(exc))[:120]) from None
    url = data.get("url") if isinstance(data, dict) else None
    if not isinstance(url, str) or not url:
        raise MediaError("the server answered no image URL")
    if not web_url(url):
        raise MediaError("the server's image link is not http(s)")
    return url


class MediaFetcher:
    """Image of a message: from the cache, else through the vendor into the cache."""

    def __init__(
        self,
        cache: MediaCache,
        client: FinderClient | None,
        *,
        max_bytes: int = MAX_IMAGE_BYTES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.cache = cache
        self.client = client
        self.max_bytes = max_bytes
        self._transport = transport

    def cached(self, message: Message) -> Path | None:
        return self.cache.get(message.new_msg_id)

    def image(self, message: Message) -> Path:
        """The image file; raises ``MediaError`` (its text is the placeholder to show)."""
        if message.kind != IMAGE:
            raise MediaError("not an image message")
        hit = self.cache.get(message.new_msg_id)
        if hit is not None:
            return hit
        if self.client is None:
            raise MediaError("offline, and not downloaded before")
        url = fetch_image_url(self.client, message)
        image = download(url, max_bytes=self.max_bytes, transport=self._transport)
        try:
            return self.cache.put(message.new_msg_id, image)
        except OSError as exc:
            raise MediaError(
                f"cannot write the cache ({exc.strerror or type(exc).__name__})"
            ) from None
