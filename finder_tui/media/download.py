"""Download an image URL the vendor handed out: http/https only (at every redirect hop), a
byte cap enforced while streaming, and the bytes checked to be an image Pillow can open
without tripping its decompression-bomb guard."""

from __future__ import annotations

import io
import time
import warnings
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from ..wire.xmlread import format_size, web_url
from .errors import MediaError

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 64_000_000  # below Pillow's own bomb limit: a 8000x8000 photo is the largest kept
MAX_REDIRECTS = 5
MAX_SECONDS = 120.0  # the whole download: a server dripping bytes cannot hold a worker forever
_GONE = {403: "expired", 404: "expired", 410: "expired"}
_FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}


@dataclass(frozen=True, slots=True)
class ImageBytes:
    data: bytes
    ext: str  # "png", "jpg", …
    width: int
    height: int


def download(
    url: str,
    *,
    max_bytes: int = MAX_IMAGE_BYTES,
    timeout: float = 20.0,
    max_seconds: float = MAX_SECONDS,
    transport: httpx.BaseTransport | None = None,
) -> ImageBytes:
    """The checked image at ``url``; raises ``MediaError`` with a reason a user can read.

    ``timeout`` bounds each wait for bytes, ``max_seconds`` the whole download."""
    deadline = time.monotonic() + max_seconds
    with httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        follow_redirects=False,
        transport=transport,
        headers={"User-Agent": "finder-tui"},
    ) as http:
        for _hop in range(MAX_REDIRECTS + 1):
            if not web_url(url):
                raise MediaError("not an http(s) link")
            try:
                data, location = _get(http, url, max_bytes, deadline)
            except httpx.TimeoutException:
                raise MediaError("the image server did not answer in time") from None
            except httpx.HTTPError as exc:
                raise MediaError(f"cannot reach the image server ({type(exc).__name__})") from None
            except (httpx.InvalidURL, ValueError):  # a bad host or port (IDNA), or a bad redirect
                raise MediaError("not a valid link") from None
            if location is None:
                return check_image(data)
            try:
                url = urljoin(url, location)
            except ValueError:
                raise MediaError("the image server redirected to a bad link") from None
    raise MediaError("too many redirects")


def _get(http: httpx.Client, url: str, max_bytes: int, deadline: float) -> tuple[bytes, str | None]:
    with http.stream("GET", url) as response:
        if response.is_redirect:
            return b"", response.headers.get("location", "")
        if response.status_code in _GONE:
            raise MediaError(_GONE[response.status_code])
        if response.status_code != 200:
            raise MediaError(f"HTTP {response.status_code} from the image server")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise MediaError(f"larger than {format_size(max_bytes)}")
        buffer = bytearray()
        for chunk in response.iter_bytes():
            buffer += chunk
            if len(buffer) > max_bytes:
                raise MediaError(f"larger than {format_size(max_bytes)}")
            if time.monotonic() > deadline:
                raise MediaError("the image server is too slow")
        return bytes(buffer), None


def check_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> ImageBytes:
    """Open ``data`` with Pillow (header only, then a full verify), refusing decompression
    bombs: Pillow's own guard (``Image.MAX_IMAGE_PIXELS``, its warning made an error) and a
    stricter pixel cap of ours, checked before any pixel is decoded."""
    from PIL import Image, UnidentifiedImageError  # Pillow loads only when an image does

    if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > 2 * max_pixels:
        Image.MAX_IMAGE_PIXELS = 2 * max_pixels  # someone turned the guard off: turn it on
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                fmt = image.format or ""
                if width * height > max_pixels:
                    raise MediaError(f"too many pixels ({width}×{height})")
                image.verify()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise MediaError("too many pixels (decompression-bomb guard)") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise MediaError("not an image") from None
    ext = _FORMATS.get(fmt)
    if ext is None:
        raise MediaError(f"unsupported image format {fmt or '?'}")
    return ImageBytes(data, ext, width, height)
