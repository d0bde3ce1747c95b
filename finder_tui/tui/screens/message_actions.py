"""What Enter/o, O and S do on the message under the conversation's cursor.

- an image: ``o`` previews it, ``O`` opens it in the system viewer, ``S`` saves it. The image
  is fetched on demand in a thread (cache first, then ``/getMsgImg`` and the download), so
  the UI never waits on the network; a failure is a notification such as
  "image unavailable: expired".
- anything with links: ``o``/``O`` open its one link, or ask which when there are several.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.screen import Screen

from ...client import FinderClient
from ...fsutil import atomic_write_bytes
from ...media import MediaCache, MediaError, MediaFetcher, MediaLimits
from ...wire.content import IMAGE
from ...wire.models import Message
from ...wire.sanitize import scrub, scrub_line
from ..links import message_urls
from ..opener import OpenError, open_external
from .media import ChooseLinkScreen, ImagePreviewScreen, MessageDetailScreen, SaveImageScreen

OPEN, EXTERNAL, SAVE = "open", "external", "save"


def default_save_path(message: Message, image: Path) -> Path:
    """``~/Downloads/finder-<NewMsgId>.<ext>`` (the working directory without Downloads):
    made of digits and a known extension only, whatever the message says."""
    folder = Path.home() / "Downloads"
    if not folder.is_dir():
        folder = Path.cwd()
    return folder / f"finder-{message.new_msg_id}{image.suffix}"


_DETAIL_FIELDS = (
    ("lat", "latitude"),
    ("lon", "longitude"),
    ("poiname", "place"),
    ("label", "address"),
    ("nickname", "name"),
    ("account", "account"),
    ("username", "id"),
    ("title", "title"),
    ("size", "bytes"),
    ("ext", "extension"),
    ("source", "source"),
    ("quoted_from", "quoting"),
    ("quoted_text", "quoted"),
    ("amount", "amount"),
    ("state", "state"),
    ("sender", "sender prefix"),
    ("app_type", "app type"),
)


def detail_rows(message: Message) -> list[tuple[str, str]]:
    """The detail view: the message's text and the payload fields worth reading."""
    when = datetime.fromtimestamp(message.create_time).strftime("%Y-%m-%d %H:%M:%S")
    rows = [("time", when), ("NewMsgId", str(message.new_msg_id)), ("type", str(message.msg_type))]
    meta = message.meta if isinstance(message.meta, dict) else {}
    for key, label in _DETAIL_FIELDS:
        value = meta.get(key)
        if value not in (None, "", False):
            rows.append((label, scrub_line(str(value))[:300]))
    rows.append(("text", scrub(message.text)))
    return rows


def handle(screen: Screen[Any], message: Message, verb: str) -> None:
    if message.kind == IMAGE:
        _with_image(screen, message, lambda path: _image_action(screen, message, path, verb))
        return
    if verb == SAVE:
        screen.notify("Only images can be saved", timeout=3)
        return
    urls = message_urls(message)
    if not urls:
        screen.app.push_screen(MessageDetailScreen(f"{message.kind} message", detail_rows(message)))
    elif len(urls) == 1:
        _open(screen, urls[0])
    else:

        def chosen(url: str | None) -> None:
            if url:
                _open(screen, url)

        screen.app.push_screen(ChooseLinkScreen(urls), chosen)


def _open(screen: Screen[Any], target: str) -> None:
    try:
        open_external(target, secret=_token(screen))
    except OpenError as exc:
        screen.notify(str(exc), severity="warning", timeout=5, markup=False)


def _token(screen: Screen[Any]) -> str | None:
    """The token's value, so the opener's environment can drop any variable holding it."""
    config = getattr(getattr(screen.app, "service", None), "client_config", None)
    return config.token.reveal() if config is not None else None


def _image_action(screen: Screen[Any], message: Message, path: Path, verb: str) -> None:
    if verb == EXTERNAL:
        _open(screen, str(path))
    elif verb == SAVE:
        _save(screen, message, path)
    else:

        def then(choice: str | None) -> None:
            if choice == EXTERNAL:
                _open(screen, str(path))
            elif choice == SAVE:
                _save(screen, message, path)

        screen.app.push_screen(ImagePreviewScreen(path, f"Image {message.new_msg_id}"), then)


def _save(screen: Screen[Any], message: Message, image: Path) -> None:
    def chosen(target: Path | None) -> None:
        if target is None:
            return
        try:
            atomic_write_bytes(target, image.read_bytes())
        except OSError as exc:
            screen.notify(
                f"Cannot save {target}: {exc.strerror or exc}", severity="error", markup=False
            )
            return
        screen.notify(f"Saved {target}", timeout=4, markup=False)

    screen.app.push_screen(SaveImageScreen(default_save_path(message, image)), chosen)


def _with_image(screen: Screen[Any], message: Message, then: Callable[[Path], None]) -> None:
    """Fetch in a thread worker; ``then`` runs on the UI with the cached file."""
    service = getattr(screen.app, "service", None)
    store_dir = getattr(service, "store_dir", None)
    client_config = getattr(service, "client_config", None)
    if store_dir is None:
        screen.notify("image unavailable: no store", severity="warning")
        return
    limits = getattr(screen.app, "media_limits", None) or MediaLimits()
    cache = MediaCache(store_dir, budget=limits.cache_bytes)
    hit = cache.get(message.new_msg_id)
    if hit is not None:
        then(hit)
        return
    screen.notify("Fetching the image…", timeout=2)

    def fetch() -> None:
        client = FinderClient(client_config) if client_config is not None else None
        try:
            path = MediaFetcher(cache, client, max_bytes=limits.image_bytes).image(message)
        except MediaError as exc:
            screen.app.call_from_thread(
                screen.notify, str(exc), severity="warning", timeout=6, markup=False
            )
            return
        except Exception as exc:  # noqa: BLE001 - a worker's error would vanish without a word
            text = f"image unavailable: {type(exc).__name__}"
            screen.app.call_from_thread(
                screen.notify, text, severity="error", timeout=6, markup=False
            )
            return
        finally:
            if client is not None:
                client.close()
        screen.app.call_from_thread(then, path)

    screen.run_worker(fetch, thread=True, exclusive=True, group="media", exit_on_error=False)
