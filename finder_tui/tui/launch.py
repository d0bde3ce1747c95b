"""Start the inbox: against a configured server, offline, or the embedded demo server."""

from __future__ import annotations

import argparse
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

from ..client import ClientConfig, Secret
from ..config import ConfigError, config_path, settings_from_args
from ..demo import DemoServer, default_demo_items
from ..demo.data import Item, shift_to_recent
from ..demo.kinds import showcase_items
from ..demo.live_names import with_feed_shares
from ..media.limits import MediaLimits

DEMO_WID = "demo-wid"


def with_showcase(items: list[Item]) -> list[Item]:
    """The demo inbox plus one conversation holding every message kind."""
    return items + showcase_items(items)


def check_keymap(keymap: dict[str, str]) -> None:
    """An id the inbox does not define is a typo that would silently do nothing: refuse it."""
    from .keymap import known_binding_ids, unknown_binding_ids

    unknown = unknown_binding_ids(keymap)
    if unknown:
        known = ", ".join(sorted(known_binding_ids()))
        raise ConfigError(
            f"{config_path()}: keymap: unknown binding id {', '.join(map(repr, unknown))} "
            f"(known: {known})"
        )


def launch(args: argparse.Namespace) -> int:
    from . import emoji
    from .alerting import AlertSettings
    from .app import FinderApp

    settings = settings_from_args(args)
    emoji.configure(settings.emoji)
    try:
        check_keymap(dict(settings.keymap))
    except ConfigError as exc:
        print(f"finder-tui: {exc}", file=sys.stderr)
        return 2
    demo = args.demo or (not settings.has_server and not args.offline)
    server: DemoServer | None = None
    temp_store: str | None = None
    try:
        if demo:
            token = secrets.token_urlsafe(18)
            server = DemoServer(
                token=token,
                wid=DEMO_WID,
                items=with_feed_shares(
                    shift_to_recent(with_showcase(default_demo_items(24, 1500, 7)), time.time())
                ),
                page_size=200,
                live_every=4.0,
                peer_replies=0.5,
            ).start()
            client: ClientConfig | None = ClientConfig(server.url, DEMO_WID, Secret(token))
            # Only an explicit --store: a configured store is a real account's, and demo data
            # (and the demo's cursor) must never land in it.
            if args.store:
                store_dir = Path(args.store).expanduser()
            else:
                temp_store = tempfile.mkdtemp(prefix="finder-tui-demo-")
                store_dir = Path(temp_store)
            mode = f"demo · embedded server {server.url}"
        elif args.offline:
            client, store_dir = None, settings.store_dir()
            mode = f"offline · {settings.wid or store_dir.name}"
        else:
            client, store_dir = settings.client_config(), settings.store_dir()
            mode = f"account {settings.wid}"
        if demo:
            print(
                f"finder-tui: no server configured — running the demo ({server.url if server else ''})"
            )
        app = FinderApp(
            store_dir=store_dir,
            client_config=client,
            mode=mode,
            poll_interval=2.0 if demo else settings.poll_interval,
            bell=settings.bell,
            keymap=dict(settings.keymap),
            alerts=AlertSettings.from_settings(settings, client.token if client else None),
            media_limits=MediaLimits.from_mb(settings.media_cache_mb, settings.image_max_mb),
        )
        app.run()
        return 0
    except ConfigError as exc:
        print(f"finder-tui: {exc}", file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
        if temp_store is not None:
            shutil.rmtree(temp_store, ignore_errors=True)
